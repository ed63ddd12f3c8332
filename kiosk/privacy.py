"""Masking of personal data for screens and logs, and a logging filter that catches ID numbers that slip through.

The masking rules themselves are the neutral masking package (drivers and the gateway use them too); this module re-exports them.
"""
from __future__ import annotations

import logging
import re

from masking import mask_address, mask_id_number, mask_name  # noqa: F401 (re-exported)

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def scrub_text(text: str) -> str:
    """Masks anything shaped like an 18- or 15-digit ID number."""
    return _ID_RE.sub(lambda m: mask_id_number(m[0]), text)


class PersonalDataFilter(logging.Filter):
    """Last line of defence: rewrites any log record whose text contains an ID-number-shaped string."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = scrub_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
