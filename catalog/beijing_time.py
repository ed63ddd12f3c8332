"""Times as a person in the hall reads them: Beijing time (Asia/Shanghai), whatever zone the server stores."""
from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(moment: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment written in Beijing time; a naive datetime is taken as UTC (how the database stores them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(BEIJING).strftime(fmt)
