"""Free-form JSON from kiosks (heartbeat stock, event payloads): finite numbers, bounded size and depth only."""
from __future__ import annotations

import json
import logging
import math
from typing import Any

logger = logging.getLogger(__name__)

MAX_BYTES = 16_384
MAX_DEPTH = 8
MAX_INT = 2 ** 53  # what every JSON reader (and PostgreSQL's json) round-trips exactly


def check_json(value: Any, depth: int = 0) -> Any:
    """Returns `value` unchanged or raises ValueError (pydantic turns it into a 422)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValueError("integer out of range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
        return value
    if isinstance(value, list):
        for item in value:
            check_json(item, depth + 1)
        return value
    if isinstance(value, dict):
        for item in value.values():
            check_json(item, depth + 1)
        if depth == 0 and len(json.dumps(value, ensure_ascii=False)) > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        return value
    raise ValueError("not JSON")
