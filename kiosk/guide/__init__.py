"""The service guide (办事指南): for each business the materials to bring, the fees and the statutory time limit,
readable without an ID card and printable as a slip. The data is its own file, service_guide.json."""
from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

GUIDE_FILE = Path(__file__).resolve().parent / "service_guide.json"
FIELDS = ("name", "materials", "fees", "time_limit")


@lru_cache(maxsize=4)
def load(path: str | Path = GUIDE_FILE) -> dict[str, dict]:
    """business id -> {"name": {zh_CN, en}, "materials": {zh_CN: [...], en: [...]}, "fees": {...},
    "time_limit": {...}}; a business missing a field or a language is refused when the file is read."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    businesses = data["businesses"]
    for key, entry in businesses.items():
        for name in FIELDS:
            for language in ("zh_CN", "en"):
                if not entry.get(name, {}).get(language):
                    raise ValueError(f"{path}: business {key}: {name} has no {language} text")
        if len(entry["materials"]["zh_CN"]) != len(entry["materials"]["en"]):
            raise ValueError(f"{path}: business {key}: the materials lists differ between languages")
    return businesses


def entry(business: str, language: str) -> dict:
    """One business in one language: {"name", "materials": [...], "fees", "time_limit"}."""
    raw = load()[business]
    language = "en" if language == "en" else "zh_CN"
    return {name: raw[name][language] for name in FIELDS}
