"""The dashboard's remote view of one kiosk: ask for a screenshot (taken when no applicant is in session), see the
ones delivered, and the tail of its masked log (the upload_logs command)."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Path as PathParam, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gateway import remote_view
from gateway.dashboard.commands import CommandRefused, command_status, queue
from gateway.dashboard.router import _identity, _json_error, _operator_form, _page, _secure, _to_login
from gateway.deps import Db
from gateway.models import Kiosk, KioskCommand

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard/remote", include_in_schema=False)
LOG_TAIL_CHARS = 4000


@router.get("/{kiosk_id}")
def remote_page(request: Request, db: Db, kiosk_id: str, notice: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    if db.get(Kiosk, kiosk_id) is None:
        return _page(request, "message.html", {"me": identity, "message": "No such kiosk."}, status=404)
    shots = []
    for shot in remote_view.screenshots(db, kiosk_id):
        command = db.get(KioskCommand, shot.command_id)
        status = "delivered" if shot.taken_at else (
            "waiting for the session to end" if command is not None and command.done_at is not None
            and (command.result or {}).get("ok", True) else
            ("failed: " + str((command.result or {}).get("detail", ""))[:120]) if command is not None
            and command.done_at is not None else command_status(command) if command is not None else "queued")
        shots.append({"request_id": shot.request_id, "requested_at": shot.requested_at.isoformat(timespec="seconds"),
                      "taken_at": shot.taken_at.isoformat(timespec="seconds") if shot.taken_at else "",
                      "status": status, "by": shot.requested_by})
    last_log = db.execute(select(KioskCommand).where(KioskCommand.kiosk_id == kiosk_id,
                                                     KioskCommand.kind == "upload_logs",
                                                     KioskCommand.done_at.is_not(None))
                          .order_by(KioskCommand.done_at.desc()).limit(1)).scalar_one_or_none()
    log = (last_log.result or {}).get("log") if last_log is not None else None
    db.rollback()
    return _page(request, "remote.html", {
        "me": identity, "kiosk_id": kiosk_id, "shots": shots, "notice": notice[:200],
        "log": log[-LOG_TAIL_CHARS:] if isinstance(log, str) else None,
        "log_at": last_log.done_at.isoformat(timespec="seconds") if last_log is not None else ""})


@router.post("/{kiosk_id}/screenshot")
def ask_screenshot(request: Request, db: Db, kiosk_id: str, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "ask for a screenshot")
    if refusal is not None:
        return refusal
    if db.get(Kiosk, kiosk_id) is None:
        return _page(request, "message.html", {"me": identity, "message": "No such kiosk."}, status=404)
    request_id = remote_view.request_screenshot(db, kiosk_id, f"staff:{identity.username}")
    return _secure(RedirectResponse(f"/dashboard/remote/{kiosk_id}?notice=screenshot+{request_id}+asked+for",
                                    status_code=303))


@router.post("/{kiosk_id}/log")
def ask_log(request: Request, db: Db, kiosk_id: str, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "ask for the log")
    if refusal is not None:
        return refusal
    try:
        queue(db, kiosk_id, "upload_logs", "", identity.username)
    except CommandRefused as exc:
        return _page(request, "message.html", {"me": identity, "message": f"Refused: {exc}."}, status=400)
    return _secure(RedirectResponse(f"/dashboard/remote/{kiosk_id}?notice=log+asked+for", status_code=303))


@router.get("/screenshots/{request_id}.png")
def screenshot_png(request: Request, db: Db, request_id: str = PathParam(pattern=r"^S[0-9a-f]{16}$")) -> Response:
    if _identity(request, db) is None:
        return _to_login()
    shot = db.get(remote_view.KioskScreenshot, request_id)
    if shot is None or shot.png is None:
        return _json_error(404, "not_found", "No such screenshot.")
    return _secure(Response(shot.png, media_type="image/png"))
