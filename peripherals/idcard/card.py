"""The typed ID card (all four card types), its number checks, and masking so a stray repr never leaks personal data."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from peripherals.idcard.errors import CardDataError
from masking import mask_address, mask_id_number, mask_name  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

CARD_TYPES = ("resident", "hmt_permit", "foreign_2017", "foreign_2023")
GENDERS = ("male", "female", "unknown", "unspecified")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_NUMBER18_RE = re.compile(r"[0-9]{17}[0-9X]")
_FOREIGN2017_RE = re.compile(r"[A-Z]{3}[0-9]{12}")


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of an 18-character ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise CardDataError("an ID number needs 17 digits before its check character")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def is_valid_number18(number: str) -> bool:
    """True for 17 digits plus the matching check character (digit or X)."""
    if not isinstance(number, str) or not _NUMBER18_RE.fullmatch(number):
        return False
    return check_character(number[:17]) == number[17]


def validate_id_number(card_type: str, number: str) -> None:
    """Raise CardDataError unless `number` is well-formed for `card_type`. The message never quotes the number."""
    if card_type in ("resident", "hmt_permit"):
        ok = is_valid_number18(number)
    elif card_type == "foreign_2023":
        ok = is_valid_number18(number) and number.startswith("9")
    elif card_type == "foreign_2017":
        ok = isinstance(number, str) and bool(_FOREIGN2017_RE.fullmatch(number))
    else:
        raise CardDataError("unknown card type")
    if not ok:
        raise CardDataError(f"the {card_type} card number fails its format or check-character test (a bad read)")


@dataclass(frozen=True, repr=False)
class IdCard:
    """One read of an identity card. Construction validates the card type, gender and card number."""

    card_type: str
    name: str
    name_en: str | None
    gender: str
    nation_code: str | None
    birth_date: date
    address: str | None
    id_number: str
    issuing_authority: str | None
    valid_from: date
    valid_to: date | None  # None: no expiry (长期)
    photo_wlt: bytes = b""
    pass_number: str | None = None       # hmt_permit: the travel permit's number
    issue_count: int | None = None       # hmt_permit, foreign_2023
    nationality: str | None = None       # foreign cards: ISO 3166 alpha-3
    previous_number: str | None = None   # foreign_2023: number of an earlier card
    card_version: str | None = None      # foreign_2017
    authority_code: str | None = None    # foreign_2017

    def __post_init__(self):
        if self.card_type not in CARD_TYPES:
            raise CardDataError("unknown card type")
        if self.gender not in GENDERS:
            raise CardDataError("unknown gender value")
        if not isinstance(self.birth_date, date) or not isinstance(self.valid_from, date):
            raise CardDataError("birth_date and valid_from must be dates")
        if self.valid_to is not None and not isinstance(self.valid_to, date):
            raise CardDataError("valid_to must be a date or None")
        if not isinstance(self.photo_wlt, (bytes, bytearray)):
            raise CardDataError("photo_wlt must be bytes")
        validate_id_number(self.card_type, self.id_number)

    @property
    def expired(self) -> bool:
        """Read but not usable: valid_to lies before today (a card without expiry never expires)."""
        return self.valid_to is not None and self.valid_to < date.today()

    @property
    def display_name(self) -> str:
        return self.name or self.name_en or ""

    def masked(self) -> dict:
        """The card as plain values with name, address and number masked (for screens and diagnostics)."""
        return {
            "card_type": self.card_type,
            "name": mask_name(self.name) or None,
            "name_en": mask_name(self.name_en) or None,
            "id_number": mask_id_number(self.id_number),
            "address": mask_address(self.address) or None,
        }

    def __repr__(self) -> str:
        return (f"IdCard(card_type={self.card_type!r}, name={mask_name(self.display_name)!r}, "
                f"id_number={mask_id_number(self.id_number)!r}, address={mask_address(self.address)!r}, "
                f"expired={self.expired}, photo_wlt=<{len(self.photo_wlt)} bytes>)")

    __str__ = __repr__
