"""The kiosk API of one-window applications (一窗受理): submit (opens the case, pushes to every department at once),
the review state, the correction brought at any kiosk, the receipt's data and the QR that opens the case."""
from __future__ import annotations

import html
import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.application_intake import MaterialIn, add_correction, open_application, prefill
from gateway.application_models import Application
from gateway.application_status import (NUMBER_RE, applicant_application, number_from_qr, receipt_json, review_json,
                                        tag_ok, with_applications)
from gateway.casework import case_json
from gateway.deps import AdaptersDep, Applicant, CurrentKiosk, Db, IdempotencyKey, audit
from gateway.errors import ApiError
from gateway.idempotency import run_idempotent
from gateway.models import Case, CaseStep
from gateway.parallel_review import push_application, pushes_of
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["applications"])

ApplicationNo = Annotated[str, Path(min_length=18, max_length=18, pattern=r"^YC[0-9]{16}$")]
Code = Field(min_length=2, max_length=48, pattern=r"^[a-z][a-z0-9_]+$")


class MaterialRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Code
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    pages: int = Field(ge=1, le=50)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    business_code: str = Code
    property_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    # Field name -> what the applicant entered or confirmed. The gateway fills card and register fields itself.
    form: dict[Annotated[str, Field(max_length=48)], Annotated[str, Field(max_length=400)]] = Field(max_length=40)
    materials: list[MaterialRef] = Field(max_length=30)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    materials: list[MaterialRef] = Field(min_length=1, max_length=30)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    qr: str = Field(min_length=10, max_length=300)


def _business(request: Request, code: str):
    business = request.app.state.business_catalogue.get(code)
    if business is None:
        raise ApiError(404, "business_not_found", "No such business in the catalogue.")
    return business


def _materials(refs: list[MaterialRef]) -> list[MaterialIn]:
    return [MaterialIn(m.code, m.sha256, m.pages) for m in refs]


def _state_json(request: Request, db, application: Application, case: Case) -> dict:
    catalogue = request.app.state.business_catalogue
    steps = db.query(CaseStep).filter(CaseStep.case_id == case.case_id).order_by(CaseStep.id).all()
    case_out = with_applications(db, catalogue, [case_json(case, steps)])[0]
    return {**review_json(application, catalogue.get(application.business_code)),
            "case": case_out, "pushes": pushes_of(db, application.application_no),
            "materials": [{"code": m["code"], "pages": m["pages"], "round": m.get("round", 1)}
                          for m in application.materials]}


@router.get("/v1/applications/prefill", response_model=dict, responses=errors(*KIOSK_ERRORS, 404, 409),
            summary="The form fields the gateway fills itself (card, register entry, mortgagee) for a property")
def prefill_form(request: Request, token: Applicant, db: Db,
                 business: Annotated[str, Query(min_length=2, max_length=48, pattern=r"^[a-z][a-z0-9_]+$")],
                 property_id: Annotated[str, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]) -> dict:
    return {"business_code": business,
            "fields": prefill(db, _business(request, business), token.id_number, property_id)}


@router.post("/v1/applications", response_model=dict, status_code=201,
             responses=errors(*KIOSK_ERRORS, 404, 409, 503),
             summary="Submit an application: opens its case (受理 date, deadline) and pushes it to every department")
def submit_application(request: Request, body: ApplicationIn, key: IdempotencyKey, token: Applicant, db: Db,
                       kiosk: CurrentKiosk, adapters: AdaptersDep) -> JSONResponse:
    business = _business(request, body.business_code)
    if not adapters.departments:
        raise ApiError(503, "departments_unavailable",
                       "No department intake is connected to this gateway; applications cannot be taken yet.")

    def action() -> tuple[int, dict]:
        application = open_application(db, business, kiosk.kiosk_id, token.id_number, body.property_id,
                                       dict(body.form), _materials(body.materials))
        audit(db, f"kiosk:{kiosk.kiosk_id}", "application_submitted", application.application_no,
              {"business": business.code, "materials": len(application.materials)})
        case = db.get(Case, application.case_id)
        db.flush()
        answer = {"application_no": application.application_no, "case_id": case.case_id,
                  "business_code": business.code, "review": application.status,
                  "receipt_url": f"/v1/applications/{application.application_no}/receipt"}
        return 201, answer

    # The idempotent answer is the application's number; a retry (lost answer, kiosk restart) gets the same one and
    # opens nothing twice. The body's hash binds the key to this applicant and this content.
    response = run_idempotent(db, kiosk.kiosk_id, "application", key,
                              {**body.model_dump(mode="json"), "token": token.token_hash}, action)
    number = _number_of(response)
    db.rollback()  # a replay leaves its read open; on SQLite that transaction holds the write lock the pushes need
    if number:
        # After the commit: a crash here leaves pending pushes for the retry job, never a push without its case.
        push_application(request.app.state.sessionmaker, adapters.departments, number)
    return response


def _number_of(response: JSONResponse) -> str | None:
    import json

    try:
        return json.loads(response.body).get("application_no")
    except (ValueError, AttributeError):
        return None


@router.get("/v1/applications/{application_no}", response_model=dict, responses=errors(*KIOSK_ERRORS, 404),
            summary="An application's review state, correction request, department pushes and case")
def get_application(request: Request, application_no: ApplicationNo, token: Applicant, db: Db) -> dict:
    application, case = applicant_application(db, token.id_number, application_no)
    return _state_json(request, db, application, case)


@router.post("/v1/applications/scan", response_model=dict, responses=errors(*KIOSK_ERRORS, 404),
             summary="The application a receipt's QR opens, for the verified applicant at any kiosk")
def scan_receipt_qr(request: Request, body: ScanIn, token: Applicant, db: Db) -> dict:
    application, case = applicant_application(db, token.id_number, number_from_qr(body.qr))
    return _state_json(request, db, application, case)


@router.post("/v1/applications/{application_no}/corrections", response_model=dict,
             responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="The materials asked for in a correction request, brought at any kiosk")
def add_correction_materials(request: Request, application_no: ApplicationNo, body: CorrectionIn,
                             key: IdempotencyKey, token: Applicant, db: Db, kiosk: CurrentKiosk) -> JSONResponse:
    def action() -> tuple[int, dict]:
        application, case = applicant_application(db, token.id_number, application_no)
        business = _business(request, application.business_code)
        add_correction(db, business, application, kiosk.kiosk_id, _materials(body.materials))
        audit(db, f"kiosk:{kiosk.kiosk_id}", "application_corrected", application_no,
              {"round": application.review_round, "materials": sorted(m.code for m in body.materials)})
        db.flush()
        return 200, {"application_no": application_no, "review": application.status,
                     "round": application.review_round}

    return run_idempotent(db, kiosk.kiosk_id, "application_correction", key,
                          {"application_no": application_no, **body.model_dump(mode="json"),
                           "token": token.token_hash}, action)


@router.get("/v1/applications/{application_no}/receipt", response_model=dict, responses=errors(*KIOSK_ERRORS, 404),
            summary="What the 受理回执 / 预受理通知 prints: number, materials received, time limit, the case's QR")
def application_receipt(request: Request, application_no: ApplicationNo, token: Applicant, db: Db) -> dict:
    application, case = applicant_application(db, token.id_number, application_no)
    state = request.app.state
    return receipt_json(db, application, case, _business(request, application.business_code),
                        state.settings.office_name, state.settings.public_base_url)


_REVIEW_TEXT = {"submitted": "已提交，等待预审 / Submitted, waiting for pre-review",
                "needs_correction": "需补正：请携带所列材料到任一自助终端 / Correction needed: bring the materials "
                                    "listed to any kiosk",
                "accepted": "预审通过，已受理 / Accepted"}


@router.get("/applications/{application_no}", include_in_schema=False, response_class=HTMLResponse)
def application_page(request: Request, application_no: str, db: Db,
                     c: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    """What a phone shows when it opens the receipt's QR: the number, the business and the review state, nothing
    personal (the case itself opens at a kiosk, after the applicant proves who they are)."""
    if not NUMBER_RE.match(application_no) or not tag_ok(application_no, c):
        return HTMLResponse("<!doctype html><title>Not found</title><p>No such application.</p>", status_code=404,
                            headers={"Cache-Control": "no-store"})
    application = db.get(Application, application_no)
    if application is None:
        return HTMLResponse("<!doctype html><title>Not found</title><p>No such application.</p>", status_code=404,
                            headers={"Cache-Control": "no-store"})
    business = request.app.state.business_catalogue.get(application.business_code)
    title = business.title_zh if business else application.business_code
    names = ""
    if application.status == "needs_correction" and business is not None:
        names = "<ul>" + "".join(f"<li>{html.escape(business.material(code).title_zh)}</li>"
                                 for code in application.correction_materials or []) + "</ul>"
    page = (f"<!doctype html><html lang=zh><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>{html.escape(application_no)}</title><h1>{html.escape(title)}</h1>"
            f"<p>申请编号 / Application: <strong>{html.escape(application_no)}</strong></p>"
            f"<p id=review>{html.escape(_REVIEW_TEXT.get(application.status, application.status))}</p>{names}"
            "<p>在任一自助终端扫描此码并核验身份后可查看办理进度。 / Scan this code at any kiosk and verify your identity "
            "to see the case.</p></html>")
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
