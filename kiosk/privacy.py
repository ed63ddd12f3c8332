"""Masking of personal data for screens and logs, and a logging filter that catches ID numbers that slip through."""
from __future__ import annotations

import logging
import re

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_WORD_RE = re.compile(r"\w+")


def mask_id_number(number: str | None) -> str:
    """110105199001011234 -> 1101**********1234; anything short is masked whole."""
    if not number:
        return ""
    number = str(number)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str | None) -> str:
    """张三丰 -> 张**; LESLIE, ROSE -> L*****, R***: the first character of each word stays so staff can confirm."""
    if not name:
        return ""
    return _WORD_RE.sub(lambda m: m[0][0] + "*" * (len(m[0]) - 1), str(name).strip())


def mask_address(address: str | None) -> str:
    """Keeps the first six characters (province/city), masks the rest."""
    if not address:
        return ""
    address = str(address)
    return address[:6] + "*" * max(0, min(len(address) - 6, 8))


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
