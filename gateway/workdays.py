"""Statutory deadlines counted in Chinese working days (weekends, public holidays and make-up working days).

The holiday data comes from the chinese-calendar package, which knows each year only once the State Council has
published it. For a year it does not know, the count falls back to Monday-Friday and the result is flagged as an
estimate instead of failing.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

import chinese_calendar

logger = logging.getLogger(__name__)

_warned_years: set[int] = set()


@functools.lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, was that an estimate because the calendar does not know the year).

    Memoised: the answer for a date never changes within a release of the calendar package, and the package scans
    its whole holiday table on every call.
    """
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning("no official holiday data for %d: counting Monday-Friday as working days", day.year)
        return day.weekday() < 5, True


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    estimated: bool


def add_working_days(start: dt.date, days: int) -> Deadline:
    """The `days`-th working day after `start` (the day of receipt itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    estimated = False
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        working, guessed = is_working_day(day)
        estimated |= guessed
        counted += working
    return Deadline(day, estimated)


def working_days_left(today: dt.date, due: dt.date) -> tuple[int, bool]:
    """Working days after `today` up to and including `due`; 0 on the due day; negative once overdue."""
    estimated = False
    if due >= today:
        count, day = 0, today
        while day < due:
            day += dt.timedelta(days=1)
            working, guessed = is_working_day(day)
            estimated |= guessed
            count += working
        return count, estimated
    count, day = 0, due
    while day < today:
        day += dt.timedelta(days=1)
        working, guessed = is_working_day(day)
        estimated |= guessed
        count += working
    return -count, estimated
