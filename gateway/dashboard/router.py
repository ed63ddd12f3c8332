"""The staff dashboard's pages and JSON endpoints under /dashboard (not part of the kiosk API's OpenAPI document)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hmac
import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, Form, Path as PathParam, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from gateway.dashboard import alerts as alert_store
from gateway import kiosk_admin
from gateway.dashboard import login_guard
from gateway.dashboard.auth import (COOKIE_NAME, SESSION_TTL, StaffIdentity, authenticate_staff, csrf_ok,
                                    end_session, ensure_demo_staff, session_identity, start_session)
from gateway.dashboard.commands import DASHBOARD_COMMANDS, CommandRefused, queue, recent_commands
from gateway.dashboard.health import COLOUR_ORDER, KioskHealth
from gateway.dashboard.models import FleetAlert
from gateway.deps import Db
from gateway.models import Kiosk, KioskCommand, utcnow

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix="/dashboard", include_in_schema=False)

LOGIN_CSRF_COOKIE = "fleet_login_csrf"
PAGE_ROWS = 100
MAX_ROW_ID = 2 ** 31 - 1  # every integer path parameter is a row id of an INTEGER column (32-bit on PostgreSQL)
STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin",
                    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'"}
_demo_lock = threading.Lock()


def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _prepare(request: Request, db) -> None:
    """Once per app: the demo staff users, when this is a demo database."""
    state = request.app.state
    if getattr(state, "dashboard_ready", False):
        return
    with _demo_lock:
        if not getattr(state, "dashboard_ready", False):
            ensure_demo_staff(db)
            db.rollback()
            state.dashboard_ready = True


def _identity(request: Request, db) -> StaffIdentity | None:
    _prepare(request, db)
    identity = session_identity(db, request.cookies.get(COOKIE_NAME))
    db.rollback()  # on SQLite every transaction holds the write lock: never keep one open while a page is built
    return identity


def _to_login() -> Response:
    return _secure(RedirectResponse("/dashboard/login", status_code=303))


def _json_error(status: int, code: str, message: str) -> Response:
    return _secure(JSONResponse({"error": {"code": code, "message": message}}, status_code=status))


def _page(request: Request, name: str, context: dict, status: int = 200) -> Response:
    return _secure(templates.TemplateResponse(request, name, context, status_code=status))


def _reader(request: Request):
    """A session for the dashboard's big reads. The gateway's SQLite engine begins every transaction IMMEDIATE
    (it takes the write lock); reading the whole fleet under that lock would stall heartbeats, so on SQLite the
    dashboard reads through its own engine with plain deferred transactions (WAL readers never block writers)."""
    state = request.app.state
    engine = state.engine
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return state.sessionmaker()
    with _demo_lock:
        factory = getattr(state, "dashboard_reader", None)
        if factory is None:
            reader = create_engine(engine.url, connect_args={"timeout": 10, "check_same_thread": False})
            factory = state.dashboard_reader = sessionmaker(reader, expire_on_commit=False)
    return factory()


def _fleet(request: Request, db, read_db) -> list[KioskHealth]:
    """Health of every kiosk, shared by every viewer of this process for a couple of seconds (reading thousands of
    heartbeat rows costs CPU the heartbeats need); alerts are brought up to date at most as often."""
    now = utcnow()
    state = request.app.state
    cache_s = float(state.settings.extra.get("dashboard_cache_s", 3.0))
    cached = getattr(state, "dashboard_fleet_cache", None)
    if cached is not None and time.monotonic() - cached[0] < cache_s:
        return cached[1]
    with _demo_lock:
        snapshot = getattr(state, "dashboard_snapshot", None)
        if snapshot is None:
            snapshot = state.dashboard_snapshot = alert_store.FleetSnapshot()
    health = snapshot.health(read_db, now)
    read_db.rollback()
    state.dashboard_fleet_cache = (time.monotonic(), health)
    every = float(state.settings.extra.get("dashboard_alert_sync_s", 2.0))
    last = getattr(state, "dashboard_alert_sync", 0.0)
    if time.monotonic() - last >= every:
        state.dashboard_alert_sync = time.monotonic()
        alert_store.sync_alerts(db, health, now, read_db=read_db)
    return health


def _ago(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 120:
        return f"{max(seconds, 0)} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


@dataclasses.dataclass(frozen=True)
class FleetView:
    """Which kiosks the fleet page shows: one page of PAGE_ROWS, worst first, optionally one colour and/or kiosk ids
    containing some text. A fleet of 100,000 kiosks is never rendered whole."""

    page: int = 1
    colour: str | None = None
    q: str | None = None

    def query_string(self, page: int | None = None) -> str:
        parts = {"page": page or self.page, "colour": self.colour, "q": self.q}
        return "&".join(f"{k}={quote(str(v))}" for k, v in parts.items() if v not in (None, ""))


def fleet_view(page: int = 1, colour: str | None = None, q: str | None = None) -> FleetView:
    return FleetView(max(1, min(page, 10 ** 6)), colour if colour in COLOUR_ORDER else None,
                     (q or "").strip()[:64] or None)


def _fleet_rows(db, health: list[KioskHealth], view: FleetView) -> dict:
    now = utcnow()
    counts = {colour: 0 for colour in COLOUR_ORDER}
    for h in health:
        counts[h.colour] += 1
    matching = [h for h in health if (view.colour is None or h.colour == view.colour)
                and (view.q is None or view.q in h.kiosk_id)]
    pages = max(1, -(-len(matching) // PAGE_ROWS))
    page = min(view.page, pages)
    ordered = sorted(matching, key=lambda h: (COLOUR_ORDER[h.colour], h.kiosk_id))
    shown = ordered[(page - 1) * PAGE_ROWS:page * PAGE_ROWS]
    query = select(Kiosk.kiosk_id, Kiosk.site_kind, Kiosk.last_heartbeat_at, Kiosk.stock, Kiosk.outbox_depth,
                   Kiosk.version, Kiosk.heartbeat_extra)
    query = query.where(Kiosk.kiosk_id.in_([h.kiosk_id for h in shown]))
    meta = {r.kiosk_id: r for r in db.execute(query)}
    rows = []
    for h in shown:
        m = meta.get(h.kiosk_id)
        if m is None:
            continue
        extra = m.heartbeat_extra or {}
        rows.append({"kiosk_id": h.kiosk_id, "site_kind": m.site_kind, "colour": h.colour,
                     "last_heartbeat": _ago(m.last_heartbeat_at, now),
                     "last_heartbeat_at": m.last_heartbeat_at.isoformat(timespec="seconds")
                     if m.last_heartbeat_at else None,
                     "devices": [{"name": name, **state} for name, state in h.devices.items()],
                     "stock": {str(k): v for k, v in sorted((m.stock or {}).items())
                               if isinstance(v, (int, float, str)) and not isinstance(v, bool)},
                     "outbox_depth": m.outbox_depth, "version": m.version,
                     "service": "out of service" if extra.get("out_of_service") else "in service",
                     "problems": [c.detail for c in h.conditions]})
    open_alerts = db.execute(select(func.count()).select_from(FleetAlert)
                             .where(FleetAlert.cleared_at.is_(None), FleetAlert.acked_at.is_(None))).scalar_one()
    return {"generated_at": now.isoformat(timespec="seconds"), "counts": counts, "total": len(health),
            "matching": len(matching), "shown": len(rows), "page": page, "pages": pages,
            "first": (page - 1) * PAGE_ROWS + 1 if rows else 0, "unacknowledged_alerts": open_alerts,
            "kiosks": rows}


# -- sign in / out ------------------------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, db: Db) -> Response:
    _prepare(request, db)
    token = secrets.token_urlsafe(24)
    response = _page(request, "login.html", {"csrf": token, "error": None})
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/dashboard")
    return response


@router.post("/login")
async def login(request: Request, db: Db, username: Annotated[str, Form(max_length=64)] = "",
                password: Annotated[str, Form(max_length=1024)] = "",
                csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    # Sign-ins run in worker threads of their own, at most CONCURRENT_HASHES at once; one more is answered "busy"
    # here, in the event loop, so a flood of sign-ins never holds the threads the kiosk API's calls need.
    limiter = login_guard.sign_in_limiter(request.app.state)
    if limiter.available_tokens < 1:
        return _busy(request)
    return await anyio.to_thread.run_sync(functools.partial(_login, request, db, username, password, csrf),
                                          limiter=limiter)


def _busy(request: Request) -> Response:
    response = _page(request, "login.html", {"csrf": request.cookies.get(LOGIN_CSRF_COOKIE, ""),
                                             "error": "The server is busy; try again."}, status=503)
    response.headers["Retry-After"] = "1"
    return response


def _login(request: Request, db, username: str, password: str, csrf: str) -> Response:
    _prepare(request, db)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        token = secrets.token_urlsafe(24)
        response = _page(request, "login.html", {"csrf": token, "error": "The form expired; please sign in again."},
                         status=400)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/dashboard")
        return response
    name, address = username.strip(), request.client.host if request.client else "unknown"
    locked = login_guard.lockout(db, name, address)
    if locked is not None:
        login_guard.record_failure(db, name, address, f"locked_{locked.reason}")
        response = _page(request, "login.html", {"csrf": expected, "error": "Too many failed sign-ins; try again in "
                                                 f"{(locked.retry_after_s + 59) // 60} min."}, status=429)
        response.headers["Retry-After"] = str(locked.retry_after_s)
        return response
    try:
        with login_guard.hashing_slot():
            user = authenticate_staff(db, name, password)
    except login_guard.HashingBusy:
        return _busy(request)
    if user is None:
        login_guard.record_failure(db, name, address, "wrong_password")
        return _page(request, "login.html", {"csrf": expected, "error": "Wrong username or password."}, status=401)
    login_guard.forget_failures(db, name)
    response = _secure(RedirectResponse("/dashboard", status_code=303))
    response.set_cookie(COOKIE_NAME, start_session(db, user), max_age=int(SESSION_TTL.total_seconds()),
                        httponly=True, samesite="strict", path="/dashboard",
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/dashboard")
    return response


@router.post("/logout")
def logout(request: Request, db: Db) -> Response:
    # The session ends server-side whether or not the form's CSRF token came along: signing out must never leave a
    # session valid (a forged sign-out only signs someone out).
    end_session(db, request.cookies.get(COOKIE_NAME))
    response = _to_login()
    response.delete_cookie(COOKIE_NAME, path="/dashboard")
    return response


# -- pages --------------------------------------------------------------------------------------------------------
@router.get("")
def fleet_page(request: Request, db: Db, view: Annotated[FleetView, Depends(fleet_view)]) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    with _reader(request) as read_db:
        fleet = _fleet_rows(read_db, _fleet(request, db, read_db), view)
    return _page(request, "fleet.html", {"me": identity, "fleet": fleet, "view": view})


@router.get("/kiosks/{kiosk_id}")
def kiosk_page(request: Request, db: Db, kiosk_id: str, notice: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        return _page(request, "message.html", {"me": identity, "message": "No such kiosk."}, status=404)
    health = alert_store.assess_one(kiosk, utcnow())
    row = _fleet_rows_for(db, health)
    commands, extra, enabled = recent_commands(db, kiosk_id), dict(kiosk.heartbeat_extra or {}), bool(kiosk.enabled)
    from gateway.identity_caps import open_hold
    hold = open_hold(db, kiosk_id)
    identity_hold = None if hold is None else {"cap": hold.cap, "raised_at": hold.raised_at}
    db.rollback()
    return _page(request, "kiosk.html", {"me": identity, "kiosk": row, "commands": commands,
                                         "kinds": DASHBOARD_COMMANDS, "notice": notice[:200],
                                         "extra": extra, "identity_hold": identity_hold, "enabled": enabled})


def _fleet_rows_for(db, health: KioskHealth) -> dict:
    rows = _fleet_rows(db, [health], FleetView())["kiosks"]
    return rows[0]


def _operator_form(request: Request, db, csrf: str, action: str):
    """(identity, None) for a signed-in operator posting a fresh form; otherwise (identity, the refusal to return)."""
    identity = _identity(request, db)
    if identity is None:
        return None, _to_login()
    if not csrf_ok(identity, csrf):
        return identity, _page(request, "message.html",
                               {"me": identity, "message": "The form expired; reload the page."}, status=403)
    if not identity.can_operate:
        return identity, _page(request, "message.html",
                               {"me": identity, "message": f"Only an operator can {action}."}, status=403)
    return identity, None


@router.post("/kiosks/{kiosk_id}/commands")
def send_command(request: Request, db: Db, kiosk_id: str, kind: Annotated[str, Form(max_length=32)] = "",
                 message: Annotated[str, Form(max_length=1000)] = "",
                 csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "send commands")
    if refusal is not None:
        return refusal
    try:
        command_id = queue(db, kiosk_id, kind, message, identity.username)
    except CommandRefused as exc:
        return _page(request, "message.html", {"me": identity, "message": f"Command refused: {exc}."}, status=400)
    return _secure(RedirectResponse(f"/dashboard/kiosks/{kiosk_id}?notice=queued+{command_id}", status_code=303))


@router.post("/kiosks/{kiosk_id}/identity-hold/clear")
def clear_identity_hold(request: Request, db: Db, kiosk_id: str,
                        csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    """An operator lets a kiosk that crossed an identity cap verify applicants again (audited)."""
    from gateway.identity_caps import clear_hold

    identity, refusal = _operator_form(request, db, csrf, "clear an identity hold")
    if refusal is not None:
        return refusal
    if not clear_hold(db, kiosk_id, identity.username):
        return _page(request, "message.html", {"me": identity, "message": "This kiosk has no identity hold."},
                     status=404)
    return _secure(RedirectResponse(f"/dashboard/kiosks/{kiosk_id}?notice=identity+hold+cleared", status_code=303))


def _admin_form(request: Request, db, csrf: str, action: str):
    """As _operator_form, for the actions only an admin may take."""
    identity, refusal = _operator_form(request, db, csrf, action)
    if refusal is None and not identity.can_administer:
        refusal = _page(request, "message.html", {"me": identity, "message": f"Only an admin can {action}."},
                        status=403)
    return identity, refusal


@router.post("/kiosks/{kiosk_id}/disable")
def disable_kiosk(request: Request, db: Db, kiosk_id: str, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    return _set_kiosk_enabled(request, db, kiosk_id, csrf, False)


@router.post("/kiosks/{kiosk_id}/enable")
def enable_kiosk(request: Request, db: Db, kiosk_id: str, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    return _set_kiosk_enabled(request, db, kiosk_id, csrf, True)


def _set_kiosk_enabled(request: Request, db, kiosk_id: str, csrf: str, enabled: bool) -> Response:
    identity, refusal = _admin_form(request, db, csrf, "enable or disable a kiosk")
    if refusal is not None:
        return refusal
    try:
        kiosk_admin.set_enabled(db, kiosk_id, enabled, f"staff:{identity.username}")
    except kiosk_admin.UnknownKiosk:
        return _page(request, "message.html", {"me": identity, "message": "No such kiosk."}, status=404)
    notice = "enabled" if enabled else "disabled"
    return _secure(RedirectResponse(f"/dashboard/kiosks/{kiosk_id}?notice={notice}", status_code=303))


@router.post("/kiosks/{kiosk_id}/rotate-key")
def rotate_kiosk_key(request: Request, db: Db, kiosk_id: str,
                     csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    """A new API key, shown once on this answer (not cached, not stored: only its hash is)."""
    identity, refusal = _admin_form(request, db, csrf, "rotate a kiosk's key")
    if refusal is not None:
        return refusal
    try:
        key = kiosk_admin.rotate_key(db, kiosk_id, f"staff:{identity.username}")
    except kiosk_admin.UnknownKiosk:
        return _page(request, "message.html", {"me": identity, "message": "No such kiosk."}, status=404)
    return _page(request, "message.html", {"me": identity, "message": f"New API key for {kiosk_id} (shown once; "
                                           f"install it on the kiosk, the old key no longer works): {key}"})


@router.get("/alerts")
def alerts_page(request: Request, db: Db, cleared: bool = False) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    with _reader(request) as read_db:
        _fleet(request, db, read_db)
        alerts = alert_store.recent_alerts(read_db, include_cleared=cleared)
        read_db.expunge_all()  # keep the loaded rows readable after the transaction ends
        read_db.rollback()
    return _page(request, "alerts.html", {"me": identity, "alerts": alerts, "cleared": cleared})


@router.get("/payments")
def payments_page(request: Request, db: Db) -> Response:
    """Money given back (refunds, with why and how far they got) and the daily reconciliations."""
    from gateway.models import PaymentReconciliation, PaymentRefund
    from gateway.payments import REFUND_REASONS, mask_transaction

    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    with _reader(request) as read_db:
        refunds = list(read_db.execute(select(PaymentRefund).order_by(PaymentRefund.created_at.desc())
                                       .limit(PAGE_ROWS)).scalars())
        runs = list(read_db.execute(select(PaymentReconciliation).order_by(PaymentReconciliation.day.desc())
                                    .limit(PAGE_ROWS)).scalars())
        read_db.expunge_all()
        read_db.rollback()
    rows = [{"refund": r, "reason": REFUND_REASONS.get(r.reason, r.reason),
             "transaction": mask_transaction(r.transaction_id)} for r in refunds]
    return _page(request, "payments.html", {"me": identity, "refunds": rows, "runs": runs})


@router.post("/alerts/{alert_id}/ack")
def acknowledge_alert(request: Request, db: Db, alert_id: Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)],
                      csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "acknowledge")
    if refusal is not None:
        return refusal
    if not alert_store.acknowledge(db, alert_id, identity.username):
        return _page(request, "message.html", {"me": identity, "message": "No such alert."}, status=404)
    return _secure(RedirectResponse("/dashboard/alerts", status_code=303))


# -- JSON for the auto-refresh ------------------------------------------------------------------------------------
@router.get("/api/fleet")
def fleet_json(request: Request, db: Db, view: Annotated[FleetView, Depends(fleet_view)]) -> Response:
    if _identity(request, db) is None:
        return _json_error(401, "unauthorized", "Sign in to the dashboard first.")
    with _reader(request) as read_db:
        fleet = _fleet_rows(read_db, _fleet(request, db, read_db), view)
    return _secure(JSONResponse(fleet))


@router.get("/api/kiosks/{kiosk_id}")
def kiosk_json(request: Request, db: Db, kiosk_id: str) -> Response:
    if _identity(request, db) is None:
        return _json_error(401, "unauthorized", "Sign in to the dashboard first.")
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        return _json_error(404, "not_found", "No such kiosk.")
    row = _fleet_rows_for(db, alert_store.assess_one(kiosk, utcnow()))
    commands = recent_commands(db, kiosk_id)
    db.rollback()
    return _secure(JSONResponse({"kiosk": row, "commands": commands}))


@router.get("/commands/{command_id}/log")
def uploaded_log(request: Request, db: Db, command_id: str) -> Response:
    """The log an upload_logs command brought back (masked on the kiosk before it left)."""
    if _identity(request, db) is None:
        return _to_login()
    command = db.get(KioskCommand, command_id)
    log = (command.result or {}).get("log") if command is not None else None
    if not isinstance(log, str):
        return _json_error(404, "not_found", "No uploaded log for this command.")
    return _secure(PlainTextResponse(log))


@router.get("/openapi.json")
def api_document(request: Request, db: Db) -> Response:
    """The kiosk API's OpenAPI document, for signed-in staff (a real gateway does not publish it)."""
    if _identity(request, db) is None:
        return _json_error(401, "unauthorized", "Sign in to the dashboard first.")
    return _secure(JSONResponse(request.app.openapi()))


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        return _json_error(404, "not_found", "No such file.")
    return _secure(FileResponse(HERE / "static" / name, media_type=STATIC[name]))
