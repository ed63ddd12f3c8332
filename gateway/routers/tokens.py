"""POST /v1/applicant-tokens: a short-lived token for a verified applicant, bound to this kiosk and ID number."""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete

from gateway.deps import CurrentKiosk, Db, Settings, audit, sha256_hex
from gateway.errors import ApiError
from gateway.identity import mask_id_number, valid_id_number
from gateway.models import ApplicantToken, utcnow
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["applicants"])

DEMO_ONLY_METHODS = frozenset({"card_only_demo"})


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(min_length=15, max_length=18, description="ID or permanent-resident card number")
    method: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="How the kiosk verified the applicant")
    score: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False, description="Match score or distance, as the kiosk has it")


class TokenResponse(BaseModel):
    token: str
    expires_at: dt.datetime


@router.post("/v1/applicant-tokens", status_code=201, response_model=TokenResponse,
             responses=errors(*KIOSK_ERRORS), summary="Authorise a verified applicant")
def issue_token(body: TokenRequest, kiosk: CurrentKiosk, db: Db, settings: Settings) -> dict:
    if not valid_id_number(body.id_number):
        raise ApiError(422, "invalid_id_number", "The ID number is not well formed or its check character is wrong.")
    if body.method in DEMO_ONLY_METHODS and not kiosk.demo:
        raise ApiError(403, "method_not_allowed", "This verification method is only accepted from demo kiosks.")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(seconds=settings.applicant_token_ttl_s)
    db.add(ApplicantToken(token_hash=sha256_hex(token), kiosk_id=kiosk.kiosk_id, id_number=body.id_number,
                          method=body.method, score=body.score, issued_at=now, expires_at=expires))
    audit(db, kiosk.kiosk_id, "applicant_authorised", mask_id_number(body.id_number), {"method": body.method})
    # Expired tokens are of no use to anyone: purge them as new ones are issued.
    db.execute(delete(ApplicantToken).where(ApplicantToken.expires_at < now - dt.timedelta(hours=1)))
    db.commit()
    return {"token": token, "expires_at": expires}
