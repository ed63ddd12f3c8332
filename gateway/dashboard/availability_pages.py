"""The dashboard's availability page: per kiosk and per hall over a day's opening hours, time out of service by
cause, MTTR; the work orders (assign, note, resolve); each site's opening hours."""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway import availability as figures_of
from gateway import work_orders
from gateway.dashboard.router import MAX_ROW_ID, _identity, _operator_form, _page, _secure, _to_login
from gateway.deps import Db

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard/availability", include_in_schema=False)


def _row(name: str, f: figures_of.Figures) -> dict:
    pct = f.availability
    return {"name": name, "availability": "" if pct is None else f"{pct * 100:.2f} %",
            "open_min": round(f.open_s / 60, 1), "out_min": round(f.out_s / 60, 1),
            **{f"{cause}_min": round(f.by_cause_s[cause] / 60, 1) for cause in figures_of.CAUSES},
            "mttr_min": "" if f.mttr_s is None else round(f.mttr_s / 60, 1), "repairs": len(f.repairs_s)}


def day_bounds(day: str) -> tuple[dt.date, dt.datetime, dt.datetime]:
    zone = ZoneInfo(figures_of.DEFAULT_TZ)
    try:
        date = dt.date.fromisoformat(day) if day else dt.datetime.now(zone).date()
    except ValueError:
        date = dt.datetime.now(zone).date()
    start = dt.datetime.combine(date, dt.time(0), zone).astimezone(dt.timezone.utc)
    return date, start, start + dt.timedelta(days=1)


@router.get("")
def availability_page(request: Request, db: Db, day: str = "", notice: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    date, start, end = day_bounds(day[:10])
    kiosks, halls = figures_of.fleet_figures(db, start, end)
    orders = [{"id": o.id, "kiosk_id": o.kiosk_id, "cause": o.cause, "subject": o.subject, "detail": o.detail,
               "opened_at": o.opened_at.isoformat(timespec="seconds"), "state": o.state,
               "assigned_to": o.assigned_to or "", "notes": o.notes,
               "closed_at": o.closed_at.isoformat(timespec="seconds") if o.closed_at else ""}
              for o in work_orders.orders(db)]
    hours = [{"site": h.site, "timezone": h.timezone, "hours": json.dumps(h.hours, ensure_ascii=False)}
             for h in db.query(figures_of.SiteHours).order_by(figures_of.SiteHours.site)]
    db.rollback()
    return _page(request, "availability.html", {
        "me": identity, "day": date.isoformat(), "notice": notice[:200], "orders": orders, "hours": hours,
        "kiosks": [_row(k, f) for k, f in kiosks.items()],
        "halls": [_row(h or "(no hall)", f) for h, f in sorted(halls.items())]})


@router.post("/work-orders/{order_id}/{action}")
def work_order_action(request: Request, db: Db, order_id: int, action: str,
                      text: Annotated[str, Form(max_length=work_orders.MAX_NOTE)] = "",
                      csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "change a work order")
    if refusal is not None:
        return refusal
    if not 0 < order_id <= MAX_ROW_ID or action not in ("assign", "note", "resolve"):
        return _page(request, "message.html", {"me": identity, "message": "No such work order action."}, status=404)
    try:
        if action == "assign":
            work_orders.assign(db, order_id, text or identity.username, identity.username)
        elif action == "note":
            work_orders.note(db, order_id, text, identity.username)
        else:
            work_orders.resolve(db, order_id, identity.username)
    except work_orders.WorkOrderRefused as exc:
        db.rollback()
        return _page(request, "message.html", {"me": identity, "message": f"Refused: {exc}."}, status=400)
    return _secure(RedirectResponse(f"/dashboard/availability?notice=work+order+{order_id}+{action}",
                                    status_code=303))


@router.post("/hours")
def save_hours(request: Request, db: Db, site: Annotated[str, Form(max_length=64)] = "",
               hours: Annotated[str, Form(max_length=2000)] = "",
               timezone: Annotated[str, Form(max_length=64)] = figures_of.DEFAULT_TZ,
               csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "change opening hours")
    if refusal is not None:
        return refusal
    try:
        parsed = json.loads(hours or "{}")
        if not isinstance(parsed, dict) or not site.strip():
            raise figures_of.HoursRefused('name the site and give the hours as {"mon": ["08:30", "17:30"], ...}')
        figures_of.set_hours(db, site.strip(), parsed, timezone.strip() or figures_of.DEFAULT_TZ)
    except (ValueError, figures_of.HoursRefused) as exc:
        db.rollback()
        reason = str(exc) if isinstance(exc, figures_of.HoursRefused) else "the hours are not valid JSON"
        return _page(request, "message.html", {"me": identity, "message": f"Opening hours refused: {reason}."},
                     status=400)
    return _secure(RedirectResponse("/dashboard/availability?notice=opening+hours+saved", status_code=303))
