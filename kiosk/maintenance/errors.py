"""The last warnings and errors of the kiosk process, masked, for the maintenance screen and the heartbeat."""
from __future__ import annotations

import collections
import datetime as dt
import logging

from kiosk.privacy import scrub_text

logger = logging.getLogger(__name__)


# -- recent errors ------------------------------------------------------------------------------------------------
class RecentErrors(logging.Handler):
    """Keeps the last warnings and errors, masked, for the maintenance screen (attach to the root logger)."""

    def __init__(self, capacity: int = 50):
        super().__init__(level=logging.WARNING)
        self.entries: collections.deque[dict] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = scrub_text(record.getMessage())[:300]
        except Exception:
            message = "(unformattable log record)"
        self.entries.append({"at": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
                             .isoformat(timespec="seconds"), "level": record.levelname,
                             "source": record.name, "message": message})

    def recent(self) -> list[dict]:
        return list(self.entries)

    def last(self) -> str | None:
        return self.entries[-1]["message"] if self.entries else None


