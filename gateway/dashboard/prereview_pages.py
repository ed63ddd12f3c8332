"""The dashboard's pre-review pages (/dashboard/prereview, 预审): the queue of submitted applications, one
application's form beside its materials (served only to signed-in staff), accept or return for correction."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Path as PathParam, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from gateway import pre_review
from gateway.dashboard.help_desk import signed_in_json
from gateway.dashboard.router import HERE, _identity, _operator_form, _page, _reader, _secure, _to_login
from gateway.deps import Db

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard", include_in_schema=False)
ApplicationNo = Annotated[str, PathParam(pattern=r"^YC[0-9]{16}$")]
MaterialCode = Annotated[str, PathParam(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
PageNo = Annotated[int, PathParam(ge=1, le=50)]


def _not_found(request: Request, identity, what: str = "No such application.") -> Response:
    return _page(request, "message.html", {"me": identity, "message": what}, status=404)


@router.get("/prereview")
def prereview_queue(request: Request, db: Db) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    catalogue = request.app.state.business_catalogue
    with _reader(request) as read_db:
        rows = pre_review.queue(read_db, catalogue)
        read_db.rollback()
    return _page(request, "prereview.html", {"me": identity, "rows": rows})


@router.get("/api/prereview")
def prereview_json(request: Request, db: Db) -> Response:
    catalogue = request.app.state.business_catalogue
    return signed_in_json(request, db, lambda read_db: {"applications": pre_review.queue(read_db, catalogue)})


@router.get("/prereview/{application_no}")
def prereview_detail(request: Request, db: Db, application_no: ApplicationNo, notice: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    state = request.app.state
    found = pre_review.detail(db, state.material_store, state.business_catalogue, application_no, identity.username)
    if found is None:
        return _not_found(request, identity)
    notices = {"accepted": "Accepted: the applicant has been told by SMS.",
               "returned": "Returned for correction: the applicant has been told by SMS."}
    return _page(request, "prereview_detail.html", {"me": identity, "a": found, "notice": notices.get(notice, "")})


@router.get("/prereview/{application_no}/materials/{code}/pages/{page}")
def material_page(request: Request, db: Db, application_no: ApplicationNo, code: MaterialCode,
                  page: PageNo) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _secure(Response(status_code=401))  # an <img>: no redirect to a login page
    state = request.app.state
    image = pre_review.material_page(db, state.material_store, application_no, code, page, identity.username)
    if image is None:
        return _secure(Response(status_code=404))
    data, media_type = image
    return _secure(Response(data, media_type=media_type))


@router.get("/prereview/{application_no}/materials/{code}.pdf")
def material_pdf(request: Request, db: Db, application_no: ApplicationNo, code: MaterialCode) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    state = request.app.state
    data = pre_review.material_pdf(db, state.material_store, application_no, code, identity.username)
    if data is None:
        return _not_found(request, identity, "No such material.")
    kind = "application/pdf" if data.startswith(b"%PDF") else "application/octet-stream"
    return _secure(Response(data, media_type=kind,
                            headers={"Content-Disposition": f'attachment; filename="{application_no}-{code}.pdf"'}))


def _refused(request: Request, identity, exc: pre_review.ReviewRefused) -> Response:
    return _page(request, "message.html", {"me": identity, "message": str(exc)}, status=409)


@router.post("/prereview/{application_no}/accept")
def accept(request: Request, db: Db, application_no: ApplicationNo,
           csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "accept an application")
    if refusal is not None:
        return refusal
    state = request.app.state
    try:
        pre_review.accept(db, state.adapters.sms, state.business_catalogue, application_no, identity.username)
    except pre_review.ReviewRefused as exc:
        db.rollback()
        return _refused(request, identity, exc)
    return _secure(RedirectResponse(f"/dashboard/prereview/{application_no}?notice=accepted", status_code=303))


@router.post("/prereview/{application_no}/return")
def return_for_correction(request: Request, db: Db, application_no: ApplicationNo,
                          csrf: Annotated[str, Form(max_length=64)] = "",
                          materials: Annotated[list[str], Form(max_length=30)] = [],  # noqa: B006 (FastAPI form)
                          note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "return an application for correction")
    if refusal is not None:
        return refusal
    state = request.app.state
    try:
        pre_review.return_for_correction(db, state.adapters.sms, state.business_catalogue, application_no,
                                         identity.username, [m[:48] for m in materials], note)
    except pre_review.ReviewRefused as exc:
        db.rollback()
        return _refused(request, identity, exc)
    return _secure(RedirectResponse(f"/dashboard/prereview/{application_no}?notice=returned", status_code=303))


@router.get("/static-prereview/prereview.css")
def prereview_style() -> Response:
    return _secure(FileResponse(HERE / "static" / "prereview.css", media_type="text/css"))
