"""The 256-byte text block (UCS-2 little-endian, space-padded fields) of all four card types: decode and encode."""
from __future__ import annotations

import logging
import unicodedata
from datetime import date

from peripherals.idcard.card import IdCard
from peripherals.idcard.errors import CardDataError

logger = logging.getLogger(__name__)

TEXT_BLOCK_LEN = 256
TYPE_OFFSET = 248
NO_EXPIRY = "长期"

TYPE_CHARS = {" ": "resident", "J": "hmt_permit", "I": "foreign_2017", "Y": "foreign_2023"}
TYPE_CHAR_OF = {v: k for k, v in TYPE_CHARS.items()}

GENDER_CODES = {"0": "unknown", "1": "male", "2": "female", "9": "unspecified"}
GENDER_CODE_OF = {v: k for k, v in GENDER_CODES.items()}

# 2017 cards carry only a 4-character authority code. Codes we can name; others decode with issuing_authority None.
# "1500" is the code the demo cards use for the Exit-Entry Administration: unverified against a real card.
AUTHORITY_CODES = {"1500": "公安部出入境管理局"}

# field name, byte offset, byte length, kind. Kinds: text, opt (text or None when blank), gender, date, until
# (date or 长期), count (two digits or blank), nation (two digits or blank).
_RESIDENT = (
    ("name", 0, 30, "text"),
    ("gender", 30, 2, "gender"),
    ("nation_code", 32, 4, "nation"),
    ("birth_date", 36, 16, "date"),
    ("address", 52, 70, "opt"),
    ("id_number", 122, 36, "text"),
    ("issuing_authority", 158, 30, "opt"),
    ("valid_from", 188, 16, "date"),
    ("valid_to", 204, 16, "until"),
)
LAYOUTS = {
    "resident": _RESIDENT,
    "hmt_permit": _RESIDENT + (
        ("pass_number", 220, 18, "opt"),
        ("issue_count", 238, 4, "count"),
    ),
    "foreign_2017": (
        ("name_en", 0, 120, "opt"),
        ("gender", 120, 2, "gender"),
        ("id_number", 122, 30, "text"),
        ("nationality", 152, 6, "opt"),
        ("name", 158, 30, "text"),
        ("valid_from", 188, 16, "date"),
        ("valid_to", 204, 16, "until"),
        ("birth_date", 220, 16, "date"),
        ("card_version", 236, 4, "opt"),
        ("authority_code", 240, 8, "opt"),
    ),
    "foreign_2023": (
        ("name", 0, 30, "text"),
        ("gender", 30, 2, "gender"),
        ("birth_date", 36, 16, "date"),
        ("name_en", 52, 70, "opt"),
        ("id_number", 122, 36, "text"),
        ("issuing_authority", 158, 30, "opt"),
        ("valid_from", 188, 16, "date"),
        ("valid_to", 204, 16, "until"),
        ("previous_number", 220, 18, "opt"),
        ("issue_count", 238, 4, "count"),
        ("nationality", 242, 6, "opt"),
    ),
}


def _field_text(block: bytes, name: str, offset: int, length: int) -> str:
    try:
        text = block[offset:offset + length].decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardDataError(f"field {name} is not valid UCS-2") from None
    text = text.strip(" \x00")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Cn") for c in text):
        raise CardDataError(f"field {name} holds control or unassigned characters")
    return text


def _parse_date(name: str, text: str) -> date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise CardDataError(f"field {name} is not a YYYYMMDD date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CardDataError(f"field {name} is not a calendar date") from None


def _decode_value(name: str, kind: str, text: str):
    if kind == "text":
        return text
    if kind == "opt":
        return text or None
    if kind == "gender":
        if text not in GENDER_CODES:
            raise CardDataError("gender code is not one of 0, 1, 2, 9")
        return GENDER_CODES[text]
    if kind == "date":
        return _parse_date(name, text)
    if kind == "until":
        return None if text == NO_EXPIRY else _parse_date(name, text)
    if kind in ("count", "nation"):
        if not text:
            return None
        if len(text) != 2 or not text.isascii() or not text.isdigit():
            raise CardDataError(f"field {name} is not two digits")
        return int(text) if kind == "count" else text
    raise AssertionError(kind)


def card_type_of(block: bytes) -> str:
    """The card type named by the character at byte 248."""
    if len(block) != TEXT_BLOCK_LEN:
        raise CardDataError(f"text block of {len(block)} bytes; {TEXT_BLOCK_LEN} expected")
    char = block[TYPE_OFFSET:TYPE_OFFSET + 2]
    for type_char, card_type in TYPE_CHARS.items():
        if char == type_char.encode("utf-16-le"):
            return card_type
    raise CardDataError("unknown card type character at byte 248")


def decode_text_block(block: bytes, photo_wlt: bytes = b"") -> IdCard:
    """An IdCard from the 256-byte text block; CardDataError for anything that is not a valid card."""
    block = bytes(block)
    card_type = card_type_of(block)
    values: dict = {"name": "", "name_en": None, "nation_code": None, "address": None, "issuing_authority": None}
    for name, offset, length, kind in LAYOUTS[card_type]:
        values[name] = _decode_value(name, kind, _field_text(block, name, offset, length))
    if card_type == "foreign_2017":
        values["issuing_authority"] = AUTHORITY_CODES.get(values.get("authority_code") or "")
    return IdCard(card_type=card_type, photo_wlt=bytes(photo_wlt), **values)


def _encode_value(card: IdCard, name: str, kind: str) -> str:
    value = getattr(card, name)
    if value is None:
        return NO_EXPIRY if kind == "until" else ""
    if kind == "gender":
        return GENDER_CODE_OF[value]
    if kind in ("date", "until"):
        return value.strftime("%Y%m%d")
    if kind == "count":
        return f"{value:02d}"
    return str(value)


def encode_text_block(card: IdCard) -> bytes:
    """The 256-byte text block a reader sends for `card` (the simulator's side); CardDataError if a field overflows."""
    block = bytearray(" ".encode("utf-16-le") * (TEXT_BLOCK_LEN // 2))
    for name, offset, length, kind in LAYOUTS[card.card_type]:
        raw = _encode_value(card, name, kind).encode("utf-16-le")
        if len(raw) > length:
            raise CardDataError(f"field {name} is longer than its {length // 2} characters")
        block[offset:offset + length] = raw + " ".encode("utf-16-le") * ((length - len(raw)) // 2)
    block[TYPE_OFFSET:TYPE_OFFSET + 2] = TYPE_CHAR_OF[card.card_type].encode("utf-16-le")
    return bytes(block)
