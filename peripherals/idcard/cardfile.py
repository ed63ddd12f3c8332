"""Cards described as small TOML files (the simulator's cards and test fixtures): load by key or path."""
from __future__ import annotations

import hashlib
import logging
import tomllib
from dataclasses import fields
from datetime import date
from pathlib import Path

from peripherals.idcard.card import IdCard
from peripherals.idcard.errors import CardDataError
from peripherals.idcard.protocol import PHOTO_LEN
from peripherals.idcard.textblock import NO_EXPIRY

logger = logging.getLogger(__name__)

CARDS_DIR = Path(__file__).with_name("cards")
_FIELDS = {f.name for f in fields(IdCard)}
_DATE_FIELDS = ("birth_date", "valid_from", "valid_to")
_REQUIRED = ("card_type", "gender", "birth_date", "id_number", "valid_from", "valid_to")  # valid_to: "长期" for none


def card_keys(cards_dir: str | Path | None = None) -> list[str]:
    """The keys (file stems) of the cards in a directory, sorted."""
    return sorted(p.stem for p in Path(cards_dir or CARDS_DIR).glob("*.toml"))


def demo_photo(seed: str) -> bytes:
    """1024 stand-in WLT bytes, the same for the same seed. Real WLT data comes only from a real card."""
    out = bytearray()
    counter = 0
    while len(out) < PHOTO_LEN:
        out += hashlib.sha256(f"demo-wlt:{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:PHOTO_LEN])


def _to_date(name: str, value) -> date | None:
    if name == "valid_to" and (value is None or value == NO_EXPIRY or value == "none"):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CardDataError(f"card file field {name} must be a date (YYYY-MM-DD)")


def load_card_file(card: str | Path, cards_dir: str | Path | None = None) -> IdCard:
    """An IdCard from a TOML file, given as a path or as a key of a file in `cards_dir` (default: the demo cards)."""
    path = Path(card)
    if path.suffix != ".toml":
        path = Path(cards_dir or CARDS_DIR) / f"{card}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(card_keys(cards_dir)) or "none"
        raise CardDataError(f"no card file {path.name} (known cards: {known})") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CardDataError(f"card file {path.name} is not readable TOML: {type(exc).__name__}") from None
    unknown = set(raw) - _FIELDS - {"photo_wlt_hex"}
    if unknown:
        raise CardDataError(f"card file {path.name}: unknown keys {', '.join(sorted(unknown))}")
    missing = [name for name in _REQUIRED if name not in raw]
    if missing:
        raise CardDataError(f"card file {path.name}: missing required fields {', '.join(missing)}")
    values = {k: v for k, v in raw.items() if k in _FIELDS}
    for name in _DATE_FIELDS:
        values[name] = _to_date(name, values.get(name))
    hex_photo = raw.get("photo_wlt_hex")
    values["photo_wlt"] = bytes.fromhex(hex_photo) if hex_photo else demo_photo(path.stem)
    values.setdefault("name", "")
    for optional in ("name_en", "nation_code", "address", "issuing_authority"):
        values.setdefault(optional, None)
    return IdCard(**values)
