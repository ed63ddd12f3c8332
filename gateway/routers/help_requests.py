"""POST /v1/help-requests: a kiosk calls staff (呼叫工作人员) with its place in the hall and the applicant's step."""
from __future__ import annotations

import logging

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway import help_requests
from gateway.deps import CurrentKiosk, Db
from gateway.errors import ApiError
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["help"])


class HelpRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: str = Field(pattern=help_requests.STEP_PATTERN, max_length=120,
                      description="Where the applicant is: a state, service and step name from the kiosk's code")
    location: str = Field(default="", max_length=64, description="Where the kiosk stands in the hall")


class HelpRequestAnswer(BaseModel):
    request_id: int
    number: str


@router.post("/v1/help-requests", status_code=201, response_model=HelpRequestAnswer, responses=errors(*KIOSK_ERRORS),
             summary="Call staff to this kiosk (no personal data)")
def raise_help_request(body: HelpRequestBody, kiosk: CurrentKiosk, db: Db) -> dict:
    if not help_requests.location_ok(body.location):
        raise ApiError(422, "invalid_location", "A location names a place in the hall; it has no long numbers.")
    row = help_requests.raise_request(db, kiosk, body.step, body.location)
    return {"request_id": row.id, "number": row.number}
