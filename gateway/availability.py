"""Availability figures a hall is held to: time in service over opening hours per kiosk and per hall, time out of
service by cause (device, network, command), and the mean time to repair of the work orders closed."""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.models import Base, KioskCommand

logger = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DEFAULT_TZ = "Asia/Shanghai"
CAUSES = ("device", "network", "command")
Interval = tuple[dt.datetime, dt.datetime]


class SiteHours(Base):
    """A site's (hall's) opening hours: {"mon": ["08:30", "17:30"], ...} in its time zone; a day not listed is
    closed."""

    __tablename__ = "site_hours"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[dict] = mapped_column(JSON)


class HoursRefused(ValueError):
    pass


def set_hours(db: Session, site: str, hours: dict, timezone: str = DEFAULT_TZ) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursRefused(f"unknown time zone {timezone!r}") from None
    clean = {}
    for day, span in hours.items():
        if day not in DAYS:
            raise HoursRefused(f"{day!r} is not a day; use {', '.join(DAYS)}")
        if not (isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(t, str) and HHMM.match(t)
                                                                           for t in span) and span[0] < span[1]):
            raise HoursRefused(f"{day}: opening hours are [\"HH:MM\", \"HH:MM\"], opening before closing")
        clean[day] = list(span)
    row = db.get(SiteHours, site)
    if row is None:
        db.add(SiteHours(site=site, timezone=timezone, hours=clean))
    else:
        row.timezone, row.hours = timezone, clean
    db.commit()


def opening_intervals(hours: SiteHours | None, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The site's open periods within [start, end), in UTC; no hours set: the whole period counts."""
    if hours is None:
        return [(start, end)]
    zone = ZoneInfo(hours.timezone)
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date()
    out = []
    while day <= last:
        span = hours.hours.get(DAYS[day.weekday()])
        if span:
            (oh, om), (ch, cm) = (map(int, t.split(":")) for t in span)
            opens = dt.datetime.combine(day, dt.time(oh, om), zone).astimezone(dt.timezone.utc)
            closes = dt.datetime.combine(day, dt.time(ch, cm), zone).astimezone(dt.timezone.utc)
            lo, hi = max(opens, start), min(closes, end)
            if lo < hi:
                out.append((lo, hi))
        day += dt.timedelta(days=1)
    return out


def union(intervals: list[Interval]) -> list[Interval]:
    merged: list[list[dt.datetime]] = []
    for lo, hi in sorted(i for i in intervals if i[0] < i[1]):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def overlap_s(intervals: list[Interval], window: list[Interval]) -> float:
    """Seconds of the (merged) intervals that fall inside the window's intervals."""
    total = 0.0
    for lo, hi in union(intervals):
        for wlo, whi in window:
            a, b = max(lo, wlo), min(hi, whi)
            if a < b:
                total += (b - a).total_seconds()
    return total


def outages(db: Session, kiosk_id: str, start: dt.datetime, end: dt.datetime) -> dict[str, list[Interval]]:
    """cause -> intervals out of service (still open ones end at `end`): device and network faults from the fleet
    alerts, command from out_of_service commands carried out until the next in_service one."""
    from gateway.dashboard.models import FleetAlert
    from gateway.work_orders import FAULT_CAUSES

    found: dict[str, list[Interval]] = {cause: [] for cause in CAUSES}
    for kind, raised, cleared in db.execute(
            select(FleetAlert.kind, FleetAlert.raised_at, FleetAlert.cleared_at)
            .where(FleetAlert.kiosk_id == kiosk_id, FleetAlert.kind.in_(tuple(FAULT_CAUSES)),
                   FleetAlert.raised_at < end)):
        stop = min(cleared or end, end)
        if stop > start:
            found[FAULT_CAUSES[kind]].append((max(raised, start), stop))
    out_since = None
    for kind, done in db.execute(
            select(KioskCommand.kind, KioskCommand.done_at)
            .where(KioskCommand.kiosk_id == kiosk_id, KioskCommand.kind.in_(("out_of_service", "in_service")),
                   KioskCommand.done_at.is_not(None), KioskCommand.done_at < end)
            .order_by(KioskCommand.done_at)):
        if kind == "out_of_service" and out_since is None:
            out_since = done
        elif kind == "in_service" and out_since is not None:
            if done > start:
                found["command"].append((max(out_since, start), done))
            out_since = None
    if out_since is not None:
        found["command"].append((max(out_since, start), end))
    return found


@dataclass
class Figures:
    open_s: float = 0.0
    out_s: float = 0.0
    by_cause_s: dict = field(default_factory=lambda: {cause: 0.0 for cause in CAUSES})
    repairs_s: list = field(default_factory=list)

    @property
    def availability(self) -> float | None:
        return None if self.open_s <= 0 else (self.open_s - self.out_s) / self.open_s

    @property
    def mttr_s(self) -> float | None:
        return sum(self.repairs_s) / len(self.repairs_s) if self.repairs_s else None

    def add(self, other: "Figures") -> None:
        self.open_s += other.open_s
        self.out_s += other.out_s
        for cause in CAUSES:
            self.by_cause_s[cause] += other.by_cause_s[cause]
        self.repairs_s += other.repairs_s


def kiosk_figures(db: Session, kiosk_id: str, site: str | None, start: dt.datetime, end: dt.datetime) -> Figures:
    """One kiosk over [start, end): time in service over its site's opening hours; out of service by cause (a
    period with two causes counts under each, once in the total); MTTR of its work orders closed in the period."""
    from gateway.work_orders import WorkOrder

    window = opening_intervals(db.get(SiteHours, site) if site else None, start, end)
    by_cause = outages(db, kiosk_id, start, end)
    figures = Figures(open_s=sum((hi - lo).total_seconds() for lo, hi in window))
    figures.out_s = overlap_s([i for cause in CAUSES for i in by_cause[cause]], window)
    for cause in CAUSES:
        figures.by_cause_s[cause] = overlap_s(by_cause[cause], window)
    for opened, closed in db.execute(select(WorkOrder.opened_at, WorkOrder.closed_at)
                                     .where(WorkOrder.kiosk_id == kiosk_id, WorkOrder.closed_at.is_not(None),
                                            WorkOrder.closed_at >= start, WorkOrder.closed_at < end)):
        figures.repairs_s.append((closed - opened).total_seconds())
    return figures


def fleet_figures(db: Session, start: dt.datetime, end: dt.datetime) -> tuple[dict, dict]:
    """({kiosk_id: Figures}, {hall: Figures}) over [start, end); a kiosk's hall is its central configuration's
    site profile ("" when it has none)."""
    from gateway.central_config import KioskConfigSite
    from gateway.models import Kiosk

    sites = {k: s for k, s in db.execute(select(KioskConfigSite.kiosk_id, KioskConfigSite.site))}
    kiosks, halls = {}, {}
    for kiosk_id in db.execute(select(Kiosk.kiosk_id).order_by(Kiosk.kiosk_id)).scalars():
        site = sites.get(kiosk_id)
        figures = kiosk_figures(db, kiosk_id, site, start, end)
        kiosks[kiosk_id] = figures
        halls.setdefault(site or "", Figures()).add(figures)
    return kiosks, halls
