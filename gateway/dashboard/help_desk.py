"""The dashboard's call-staff board (/dashboard/help): open requests with a chime, closing them, time to arrival."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Path as PathParam, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from gateway import help_requests
from gateway.dashboard.router import (HERE, MAX_ROW_ID, _identity, _json_error, _operator_form, _page, _reader,
                                      _secure, _to_login)
from gateway.deps import Db

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard", include_in_schema=False)


@router.get("/help")
def help_page(request: Request, db: Db) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    from gateway.staff_assist import REASONS, counts_per_staff

    with _reader(request) as read_db:
        board = help_requests.board(read_db)
        assisted = counts_per_staff(read_db)
        read_db.rollback()
    return _page(request, "help.html", {"me": identity, "board": board, "assisted": assisted, "reasons": REASONS})


def signed_in_json(request: Request, db, read) -> Response:
    """read(read_db) as JSON for a signed-in staff member (the pages' auto-refresh), 401 for anyone else."""
    if _identity(request, db) is None:
        return _json_error(401, "unauthorized", "Sign in to the dashboard first.")
    with _reader(request) as read_db:
        data = read(read_db)
        read_db.rollback()
    return _secure(JSONResponse(data))


@router.get("/api/help")
def help_json(request: Request, db: Db) -> Response:
    return signed_in_json(request, db, help_requests.board)


@router.post("/help/{request_id}/close")
def close_help_request(request: Request, db: Db, request_id: Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)],
                       csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    """The staff member who came to the kiosk closes the request: the time to arrival is recorded."""
    identity, refusal = _operator_form(request, db, csrf, "close a help request")
    if refusal is not None:
        return refusal
    if help_requests.close_request(db, request_id, identity.username) is None:
        return _page(request, "message.html", {"me": identity, "message": "No such help request."}, status=404)
    return _secure(RedirectResponse("/dashboard/help", status_code=303))


@router.get("/static-help/help.js")
def help_script() -> Response:
    return _secure(FileResponse(HERE / "static" / "help.js", media_type="text/javascript"))
