"""The dashboard's 好差评 page (/dashboard/ratings): satisfaction per hall and per service over time, the low ratings
with their reasons, and the call-backs (the number shown, audited, only to an operator who calls)."""
from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, Form, Path as PathParam, Request
from fastapi.responses import RedirectResponse, Response

from gateway import ratings
from gateway.dashboard.help_desk import signed_in_json
from gateway.dashboard.router import _identity, _operator_form, _page, _reader, _secure, _to_login
from gateway.deps import Db

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard", include_in_schema=False)
RatingId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$")]


@router.get("/ratings")
def ratings_page(request: Request, db: Db, notice: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    with _reader(request) as read_db:
        stats = ratings.statistics(read_db)
        read_db.rollback()
    return _page(request, "ratings.html", {"me": identity, "stats": stats, "labels": ratings.LEVELS,
                                           "notice": notice if re.fullmatch(r"[\w .:*-]{0,80}", notice) else ""})


@router.get("/api/ratings")
def ratings_json(request: Request, db: Db) -> Response:
    return signed_in_json(request, db, ratings.statistics)


@router.post("/ratings/{rating_id}/callback-number")
def callback_number(request: Request, db: Db, rating_id: RatingId,
                    csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    """The phone number for the operator about to call (a POST, so every reading is a deliberate, audited act)."""
    identity, refusal = _operator_form(request, db, csrf, "read a call-back number")
    if refusal is not None:
        return refusal
    phone = ratings.callback_phone(db, rating_id, identity.username)
    if phone is None:
        return _page(request, "message.html", {"me": identity, "message": "No call-back for this rating."},
                     status=404)
    return _page(request, "message.html", {"me": identity, "message": f"Call back: {phone}"})


@router.post("/ratings/{rating_id}/called")
def callback_done(request: Request, db: Db, rating_id: RatingId,
                  csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "mark a call-back done")
    if refusal is not None:
        return refusal
    if not ratings.mark_called(db, rating_id, identity.username):
        return _page(request, "message.html", {"me": identity, "message": "No call-back for this rating."},
                     status=404)
    return _secure(RedirectResponse("/dashboard/ratings", status_code=303))
