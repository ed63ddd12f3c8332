"""The one set of masking rules for personal data: kiosk drivers' reprs, screens, logs and receipts, and the gateway.

A neutral package like pdfparts: drivers must never import kiosk, and kiosk and gateway share no other code, so a
name is masked the same way on a kiosk screen, a receipt and the gateway's verification and payment pages.
"""
from __future__ import annotations

import re

_WORD_RE = re.compile(r"\w+")


def mask_id_number(number: str | None) -> str:
    """110105196108041235 -> 1101**********1235; short values are masked whole."""
    if not number:
        return ""
    number = str(number)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str | None) -> str:
    """欧阳明 -> 欧**; LESLIE, ROSE -> L*****, R***: the first character of each word stays so staff can confirm."""
    if not name:
        return ""
    return _WORD_RE.sub(lambda m: m[0][0] + "*" * (len(m[0]) - 1), str(name).strip())


def mask_address(address: str | None) -> str:
    """Keeps the first six characters (province and city) and masks the rest."""
    if not address:
        return ""
    address = str(address)
    return address[:6] + "*" * max(0, min(len(address) - 6, 8))
