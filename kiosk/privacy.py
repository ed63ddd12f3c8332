"""Masking of personal data for screens and logs, and a logging filter that catches ID numbers that slip through."""
from __future__ import annotations

import logging
import re

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID15_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{6})(\d{3})(?![0-9A-Za-z])")


def mask_id_number(number: str | None) -> str:
    """110105199001011234 -> 1101**********1234; anything short is masked whole."""
    if not number:
        return ""
    number = str(number)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str | None) -> str:
    """张三丰 -> 张**; John Smith -> J*** S****; keeps the first character of each word so staff can confirm."""
    if not name:
        return ""
    name = str(name).strip()
    if " " in name:
        return " ".join(mask_name(part) for part in name.split())
    return name[0] + "*" * (len(name) - 1)


def mask_address(address: str | None) -> str:
    """Keeps the first six characters (province/city), masks the rest."""
    if not address:
        return ""
    address = str(address)
    return address[:6] + "*" * max(0, min(len(address) - 6, 8))


def scrub_text(text: str) -> str:
    """Masks anything shaped like an 18- or 15-digit ID number."""
    text = _ID_RE.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3), text)
    return _ID15_RE.sub(lambda m: m.group(1)[:4] + "*" * 7 + m.group(3)[-4:], text)


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
