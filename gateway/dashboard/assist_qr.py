"""The dashboard's staff QR page (/dashboard/assist-qr): an operator makes a one-time staff QR code for a registered
staff member of a hall (gateway.staff_assist), shown once as an inline SVG to hold to a kiosk's scanner."""
from __future__ import annotations

import io
import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select

from gateway import staff_assist
from gateway.dashboard.router import _identity, _operator_form, _page, _to_login
from gateway.deps import Db

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def _staff(db) -> list[dict]:
    rows = db.execute(select(staff_assist.AssistStaff.staff_id, staff_assist.AssistStaff.hall)
                      .where(staff_assist.AssistStaff.enabled.is_(True)).order_by(staff_assist.AssistStaff.staff_id))
    return [{"staff_id": staff_id, "hall": hall} for staff_id, hall in rows]


def qr_svg(text: str) -> Markup:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(out)  # one unit a module
    svg = out.getvalue().decode()
    return Markup(svg[svg.index("<svg"):])  # made here from our own code: no user text in it but the code


@router.get("/assist-qr")
def assist_qr_page(request: Request, db: Db) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    staff = _staff(db)
    db.rollback()
    return _page(request, "assist_qr.html", {"me": identity, "staff": staff, "code": None})


@router.post("/assist-qr")
def make_assist_qr(request: Request, db: Db, staff_id: Annotated[str, Form(max_length=32)] = "",
                   csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "make a staff QR code")
    if refusal is not None:
        return refusal
    if db.get(staff_assist.AssistStaff, staff_id) is None:
        return _page(request, "message.html", {"me": identity, "message": "No such staff member."}, status=404)
    code = staff_assist.issue_qr(db, staff_id)
    logger.info("staff QR code made for %s by %s", staff_id, identity.username)
    return _page(request, "assist_qr.html", {"me": identity, "staff": _staff(db), "code": code,
                                             "svg": qr_svg(code), "staff_id": staff_id,
                                             "minutes": int(staff_assist.QR_TTL.total_seconds() // 60)})
