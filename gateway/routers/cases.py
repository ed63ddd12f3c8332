"""Case status for the verified applicant: the list, one case's timeline, and its itemised fees."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Date, bindparam, select
from sqlalchemy.orm import Session

from gateway import pg_hot_paths
from gateway.application_status import NUMBER_PREFIX as APPLICATION_PREFIX, with_applications
from gateway.case_certificates import certificates_by_case
from gateway.casework import case_json, today_in_china
from gateway.db import READ_ONLY, run_db
from gateway.deps import (AdaptersDep, ApiKey, Applicant, Db, TokenHeader, api_key_of, applicant_id_number, authenticate,
                          check_token, kiosk_refusal, rate_refusal, sha256_hex)
from gateway.errors import ApiError
from gateway.models import ApplicantToken, Case, CaseStep, Kiosk, Property, PropertyRestriction, utcnow
from gateway.register_entry import in_force_on
from gateway.tls import peer_cert_name
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["cases"])

CaseId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


class TimelineStep(BaseModel):
    status: str
    at: dt.datetime | None
    done: bool


class RestrictionOut(BaseModel):
    """A restriction in force on the case's property (gateway.register_entry.RESTRICTION_KINDS)."""

    kind: str
    holder: str
    amount_fen: int | None = None
    ends_on: dt.date | None = None


class TrackingStepOut(BaseModel):
    status: str
    at: str | None = None


class ShipmentOut(BaseModel):
    """A courier parcel: the waybill masked, its tracking steps as the courier reported them (no address)."""

    waybill: str
    status: str
    steps: list[TrackingStepOut] = []


class CertificateCopyOut(BaseModel):
    """One certificate of the case: how it is received (window, self_print, locker, courier, e_certificate or not
    chosen yet) and what became of it."""

    copy_id: str
    status: str
    receive_method: str | None = None
    shipments: list[ShipmentOut] = []


class CaseOut(BaseModel):
    case_id: str
    kind: str
    title: str
    status: str
    received_on: dt.date
    deadline: dt.date | None
    working_days_left: int | None
    extension_reason: str | None
    next_action: str | None
    timeline: list[TimelineStep]
    deadline_estimated: bool
    rejection_reason: str | None
    restrictions: list[RestrictionOut] = []
    certificates: list[CertificateCopyOut] = []
    # A case opened by a one-window application: its pre-review state and any correction request (what to bring).
    application: dict | None = None


class CaseList(BaseModel):
    cases: list[CaseOut]


class FeeItemOut(BaseModel):
    code: str
    name: str
    amount_fen: int
    department: str = Field("", description="the collecting department the platform passes this item on to")


class FeeScheduleOut(BaseModel):
    items: list[FeeItemOut]
    total_fen: int


def applicant_case(db: Session, token: ApplicantToken, case_id: str) -> Case:
    """The case if it belongs to the applicant; otherwise 404 (another person's case does not 'exist')."""
    case = db.get(Case, case_id)
    if case is None or case.id_number != token.id_number:
        raise ApiError(404, "case_not_found", "No such case for this applicant.")
    return case


@router.get("/v1/cases", response_model=CaseList, responses=errors(*KIOSK_ERRORS),
            summary="The applicant's cases, newest first")
async def list_cases(request: Request, credentials: ApiKey, x_applicant_token: TokenHeader) -> JSONResponse:
    # Hot path (every applicant, every status screen): the kiosk's rate count in one short write, then the token and
    # the cases in a read-only transaction (on SQLite it takes no lock, so readers never queue behind heartbeats).
    api_key = api_key_of(credentials)
    state = request.app.state
    if state.engine.dialect.name == "postgresql":  # one statement, one round trip (gateway/pg_hot_paths.py)
        return JSONResponse(await _cases_in_one_statement(state, api_key, peer_cert_name.get(), x_applicant_token))

    def run() -> dict:
        kiosk = authenticate(state.engine, state.settings, api_key)
        with state.engine.connect() as db:
            db.execution_options(**{READ_ONLY: True})
            return applicant_cases(db, applicant_id_number(db, kiosk, x_applicant_token), state.business_catalogue)

    # Returned as a response: the dict is already JSON (case_json), so FastAPI need not validate and re-encode it.
    return JSONResponse(await run_db(state.engine, run))


async def _cases_in_one_statement(state, api_key: str, peer_cert: str | None, raw_token: str) -> dict:
    settings = state.settings
    now = utcnow()
    today = today_in_china()
    kiosk_id, enabled, count, token_kiosk, expires_at, method, cases = await pg_hot_paths.case_list(
        pg_hot_paths.hot_path_pool(state), key_hash=sha256_hex(api_key), token_hash=sha256_hex(raw_token),
        cert=peer_cert, require_cert=settings.require_client_cert, limit=settings.rate_limit_per_minute, now=now,
        today=today)
    refusal = (kiosk_refusal(kiosk_id, enabled, settings, peer_cert)
               or rate_refusal(count, settings.rate_limit_per_minute, now.timestamp()))
    if refusal is not None:
        raise refusal
    check_token(token_kiosk, expires_at, kiosk_id)
    if method == "staff_assisted":  # what a staff member's word opens is the policy's, read now (gateway.staff_assist)
        await run_db(state.engine, lambda: _staff_assisted_may_list_cases(state, kiosk_id))
    found = [{**case_json(case, steps, today), "restrictions": restrictions, "certificates": certificates}
             for case, steps, restrictions, certificates in cases]
    if not any(case["case_id"].startswith(APPLICATION_PREFIX) for case in found):
        return {"cases": with_applications(None, state.business_catalogue, found)}  # nothing to read

    def read() -> list[dict]:
        with state.sessionmaker() as db:
            return with_applications(db, state.business_catalogue, found)

    return {"cases": await run_db(state.engine, read)}


def _staff_assisted_may_list_cases(state, kiosk_id: str) -> None:
    from gateway.staff_assist import require_service

    with Session(state.engine) as db:
        require_service(db, db.get(Kiosk, kiosk_id), state.settings, "/v1/cases")


# Core statements on the hot path, built once (see gateway.deps): the ORM's identity map and unit of work cost more
# than the queries, and case_json needs nothing but the columns.
_cases = Case.__table__
_case_steps = CaseStep.__table__
_CASES_OF = (select(_cases).where(_cases.c.id_number == bindparam("id_number"))
             .order_by(_cases.c.received_on.desc(), _cases.c.case_id))
_STEPS_OF = (select(_case_steps.c.case_id, _case_steps.c.status, _case_steps.c.at)
             .where(_case_steps.c.case_id.in_(bindparam("case_ids", expanding=True))).order_by(_case_steps.c.id))


_properties = Property.__table__
_restrictions = PropertyRestriction.__table__
_RESTRICTIONS_OF = (select(_properties.c.address, _restrictions.c.kind, _restrictions.c.holder,
                           _restrictions.c.amount_fen, _restrictions.c.ends_on)
                    .join(_properties, _properties.c.property_id == _restrictions.c.property_id)
                    .where(_properties.c.id_number == bindparam("id_number"),
                           in_force_on(_restrictions, bindparam("today", type_=Date)))
                    .order_by(_restrictions.c.registered_on, _restrictions.c.id))


def restrictions_by_address(db, id_number: str) -> dict[str, list[dict]]:
    """The restrictions in force on the person's properties, by the property's location (a case names its property
    by location)."""
    found: dict[str, list[dict]] = {}
    for row in db.execute(_RESTRICTIONS_OF, {"id_number": id_number, "today": today_in_china()}):
        found.setdefault(row.address, []).append({"kind": row.kind, "holder": row.holder,
                                                  "amount_fen": row.amount_fen,
                                                  "ends_on": row.ends_on.isoformat() if row.ends_on else None})
    return found


def applicant_cases(db, id_number: str, catalogue=None) -> dict:
    """Every case of the person, newest first, as the kiosk receives them (db: a Connection or a Session;
    catalogue: the business catalogue, None for the default one)."""
    cases = db.execute(_CASES_OF, {"id_number": id_number}).all()
    steps = _steps(db, [case.case_id for case in cases])
    restrictions = restrictions_by_address(db, id_number)
    certificates = certificates_by_case(db, [case.case_id for case in cases])
    return {"cases": with_applications(db, catalogue, [{**case_json(case, steps[case.case_id]),
                                                         "restrictions": restrictions.get(case.property_address, []),
                                                         "certificates": certificates[case.case_id]}
                                                        for case in cases])}


def _steps(db, case_ids: list[str]) -> dict[str, list]:
    """Each case's steps (rows with case_id, status, at), oldest first."""
    by_case: dict[str, list] = {case_id: [] for case_id in case_ids}
    if case_ids:
        for step in db.execute(_STEPS_OF, {"case_ids": case_ids}):
            by_case[step.case_id].append(step)
    return by_case


@router.get("/v1/cases/{case_id}", response_model=CaseOut, responses=errors(*KIOSK_ERRORS, 404),
            summary="One case with its timeline")
def get_case(request: Request, case_id: CaseId, token: Applicant, db: Db) -> dict:
    case = applicant_case(db, token, case_id)
    found = {**case_json(case, _steps(db, [case_id])[case_id]),
             "restrictions": restrictions_by_address(db, case.id_number).get(case.property_address, []),
             "certificates": certificates_by_case(db, [case_id])[case_id]}
    return with_applications(db, request.app.state.business_catalogue, [found])[0]


@router.get("/v1/cases/{case_id}/acceptance-receipt.pdf", response_class=Response,
            responses={**errors(*KIOSK_ERRORS, 404, 503), 200: {"content": {"application/pdf": {}},
                                                                 "description": "The sealed receipt"}},
            summary="The case's acceptance receipt (受理回执), sealed, as PDF")
def acceptance_receipt(request: Request, case_id: CaseId, token: Applicant, db: Db,
                       language: Annotated[str, Query(pattern="^(zh|en)$")] = "zh") -> Response:
    from gateway.sealed_documents import seal_of, sealed_receipt

    case = applicant_case(db, token, case_id)
    state = request.app.state
    pdf = sealed_receipt(seal_of(request), db, case, state.settings.office_name, state.settings.public_base_url,
                         language)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="receipt-{case.case_id}.pdf"',
                             "Cache-Control": "no-store"})


def fee_items(adapters, case: Case) -> list:
    """Taxes from the tax system, then fees from the registration system; nothing to pay on a cancellation."""
    if case.kind == "cancellation":
        return []
    return adapters.tax.assess(case) + adapters.registration.registration_fees(case)


@router.get("/v1/cases/{case_id}/fees", response_model=FeeScheduleOut, responses=errors(*KIOSK_ERRORS, 404),
            summary="The itemised taxes and fees of a case")
def case_fees(case_id: CaseId, token: Applicant, db: Db, adapters: AdaptersDep) -> dict:
    case = applicant_case(db, token, case_id)
    items = fee_items(adapters, case)
    return {"items": [item.to_json() for item in items], "total_fen": sum(item.amount_fen for item in items)}

