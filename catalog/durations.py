"""Time left in words ("剩余 14 分 58 秒", "14 min 58 s left"), so a countdown never reads like a clock time."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def time_left(seconds: int | float | None, language: str) -> str:
    """The time left in minutes and seconds, as a person says it; "" for none."""
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    minutes, secs = divmod(total, 60)
    if language == "en":
        if minutes and secs:
            return f"{minutes} min {secs} s left"
        return f"{minutes} min left" if minutes else f"{secs} s left"
    if minutes and secs:
        return f"剩余 {minutes} 分 {secs} 秒"
    return f"剩余 {minutes} 分钟" if minutes else f"剩余 {secs} 秒"
