"""Case status for the verified applicant: the list, one case's timeline, and its itemised fees."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.casework import case_json
from gateway.db import RELAXED_DURABILITY
from gateway.deps import (AdaptersDep, ApiKey, Applicant, Db, TokenHeader, api_key_of, authenticate_in,
                          check_applicant)
from gateway.errors import ApiError
from gateway.models import ApplicantToken, Case, CaseStep
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["cases"])

CaseId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


class TimelineStep(BaseModel):
    status: str
    at: dt.datetime | None
    done: bool


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


class CaseList(BaseModel):
    cases: list[CaseOut]


class FeeItemOut(BaseModel):
    code: str
    name: str
    amount_fen: int


class FeeScheduleOut(BaseModel):
    items: list[FeeItemOut]
    total_fen: int


def applicant_case(db: Session, token: ApplicantToken, case_id: str) -> Case:
    """The case if it belongs to the applicant; otherwise 404 (another person's case does not 'exist')."""
    case = db.get(Case, case_id)
    if case is None or case.id_number != token.id_number:
        raise ApiError(404, "case_not_found", "No such case for this applicant.")
    return case


def _steps(db: Session, case_ids: list[str]) -> dict[str, list[CaseStep]]:
    by_case: dict[str, list[CaseStep]] = {cid: [] for cid in case_ids}
    if case_ids:
        for step in db.execute(select(CaseStep).where(CaseStep.case_id.in_(case_ids)).order_by(CaseStep.id)).scalars():
            by_case[step.case_id].append(step)
    return by_case


@router.get("/v1/cases", response_model=CaseList, responses=errors(*KIOSK_ERRORS),
            summary="The applicant's cases, newest first")
async def list_cases(request: Request, credentials: ApiKey, x_applicant_token: TokenHeader) -> dict:
    # Hot path (every applicant, every status screen): kiosk, token and cases in one worker-thread hop.
    api_key = api_key_of(credentials)
    state = request.app.state

    def run() -> dict:
        with state.sessionmaker() as db:
            db.connection(execution_options={RELAXED_DURABILITY: True})  # writes only the rate count
            kiosk = authenticate_in(db, state.settings, api_key)
            token = check_applicant(db, kiosk, x_applicant_token)
            result = applicant_cases(db, token)
            db.rollback()  # read only
            return result

    return await run_in_threadpool(run)


def applicant_cases(db: Session, token: ApplicantToken) -> dict:
    cases = list(db.execute(select(Case).where(Case.id_number == token.id_number)
                            .order_by(Case.received_on.desc(), Case.case_id)).scalars())
    steps = _steps(db, [c.case_id for c in cases])
    return {"cases": [case_json(case, steps[case.case_id]) for case in cases]}


@router.get("/v1/cases/{case_id}", response_model=CaseOut, responses=errors(*KIOSK_ERRORS, 404),
            summary="One case with its timeline")
def get_case(case_id: CaseId, token: Applicant, db: Db) -> dict:
    case = applicant_case(db, token, case_id)
    return case_json(case, _steps(db, [case_id])[case_id])


def fee_items(adapters, case: Case) -> list:
    """Taxes from the tax system, then fees from the registration system; nothing to pay on a mortgage or cancellation."""
    if case.kind in ("mortgage", "cancellation"):
        return []
    return adapters.tax.assess(case) + adapters.registration.registration_fees(case)


@router.get("/v1/cases/{case_id}/fees", response_model=FeeScheduleOut, responses=errors(*KIOSK_ERRORS, 404),
            summary="The itemised taxes and fees of a case")
def case_fees(case_id: CaseId, token: Applicant, db: Db, adapters: AdaptersDep) -> dict:
    case = applicant_case(db, token, case_id)
    items = fee_items(adapters, case)
    return {"items": [item.to_json() for item in items], "total_fen": sum(item.amount_fen for item in items)}

