"""The dashboard's drop-off page (/dashboard/dropoffs): an operator issues a locker drop-off code for a case (the
applicant gets it by SMS; the page never shows the digits) and sees the codes not yet collected."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from gateway import dropoff, dropoff_admin
from gateway.dashboard.router import _identity, _operator_form, _page, _to_login
from gateway.deps import AdaptersDep, Db
from gateway.models import Kiosk

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def _view(db, identity, issued: dict | None = None) -> dict:
    lockers = list(db.execute(select(Kiosk.kiosk_id).where(Kiosk.site_kind == "locker", Kiosk.enabled.is_(True))
                              .order_by(Kiosk.kiosk_id)).scalars())
    return {"me": identity, "lockers": lockers, "codes": dropoff_admin.listing(db, None), "issued": issued,
            "days": dropoff.DEFAULT_TTL.days, "max_days": dropoff_admin.MAX_DAYS}


@router.get("/dropoffs")
def dropoffs_page(request: Request, db: Db) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    view = _view(db, identity)
    db.rollback()
    return _page(request, "dropoffs.html", view)


@router.post("/dropoffs")
def issue_dropoff(request: Request, db: Db, adapters: AdaptersDep, case_id: Annotated[str, Form(max_length=32)] = "",
                  locker: Annotated[str, Form(max_length=64)] = "", days: Annotated[str, Form(max_length=8)] = "",
                  csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "issue drop-off codes")
    if refusal is not None:
        return refusal
    try:
        if not days.strip().isdigit():
            raise dropoff_admin.Refused(f"a code is valid for 1-{dropoff_admin.MAX_DAYS} days: type a number")
        issued = dropoff_admin.issue(db, adapters.sms, case_id.strip(), locker, identity.username, int(days))
    except dropoff_admin.Refused as exc:
        db.rollback()
        return _page(request, "message.html", {"me": identity, "message": f"Not issued: {exc}."}, status=400)
    logger.info("drop-off code %s issued by %s", issued["code_id"], identity.username)
    return _page(request, "dropoffs.html", _view(db, identity, issued))
