"""Applicant tokens: card-only methods where a kiosk's policy allows them, and revocation when the session ends.

A face-verified applicant's token comes only from POST /v1/identity-verifications (gateway/routers/identity.py),
on the gateway's own match; this route mints none for "face".
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete

from gateway import identity_caps, identity_policy
from gateway.deps import CurrentKiosk, Db, Settings, TokenHeader, audit, sha256_hex
from gateway.errors import ApiError
from gateway.identity import mask_id_number, valid_id_number
from gateway.models import ApplicantToken, utcnow
from gateway.reference_store import References
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["applicants"])

CARD_ONLY_METHODS = frozenset({"card_only", "card_only_demo"})


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(min_length=15, max_length=18, description="ID or permanent-resident card number")
    method: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$",
                        description="card_only (for the services the kiosk's policy lists) or card_only_demo "
                                    "(demo kiosks); face goes through POST /v1/identity-verifications")
    service: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,31}$",
                                description="The service a card_only token is for")
    score: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False, description="Ignored (kept for "
                                "older kiosks); the gateway records its own decision")


class TokenResponse(BaseModel):
    token: str
    expires_at: dt.datetime


def mint_token(db, kiosk, id_number: str, method: str, score: float | None, settings) -> dict:
    """A new token for a decided applicant, in db's transaction (committed here)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(seconds=settings.applicant_token_ttl_s)
    db.add(ApplicantToken(token_hash=sha256_hex(token), kiosk_id=kiosk.kiosk_id, id_number=id_number,
                          method=method, score=score, issued_at=now, expires_at=expires))
    audit(db, kiosk.kiosk_id, "applicant_authorised", mask_id_number(id_number), {"method": method})
    # Expired tokens are of no use to anyone: purge them as new ones are issued.
    db.execute(delete(ApplicantToken).where(ApplicantToken.expires_at < now - dt.timedelta(hours=1)))
    db.commit()
    return {"token": token, "expires_at": expires}


@router.post("/v1/applicant-tokens", status_code=201, response_model=TokenResponse,
             responses=errors(*KIOSK_ERRORS), summary="Authorise an applicant by card only, where policy allows")
def issue_token(body: TokenRequest, kiosk: CurrentKiosk, db: Db, settings: Settings, references: References) -> dict:
    if not valid_id_number(body.id_number):
        raise ApiError(422, "invalid_id_number", "The ID number is not well formed or its check character is wrong.")
    identity_caps.refuse_if_held(db, kiosk.kiosk_id)
    policy = identity_policy.policy_for(db, kiosk, settings)
    identity_policy.require_method(policy, body.method, body.service)
    if body.method not in CARD_ONLY_METHODS:
        raise ApiError(403, "method_not_allowed", "Face verification is decided by POST /v1/identity-verifications.")
    subject = references.subject_key(body.id_number)
    crossed = identity_caps.record(db, kiosk.kiosk_id, subject, True, policy)
    if crossed is not None:
        db.commit()
        identity_caps.refuse_if_held(db, kiosk.kiosk_id)
    return mint_token(db, kiosk, body.id_number, body.method, None, settings)


@router.delete("/v1/applicant-tokens/current", status_code=204, response_class=Response,
               responses=errors(*KIOSK_ERRORS), summary="Revoke the applicant token (the session has ended)")
def revoke_token(kiosk: CurrentKiosk, db: Db, x_applicant_token: TokenHeader) -> Response:
    """Idempotent: a token already revoked, expired or unknown answers 204 too; another kiosk's token is untouched."""
    row = db.get(ApplicantToken, sha256_hex(x_applicant_token))
    if row is not None and row.kiosk_id == kiosk.kiosk_id:
        db.delete(row)
        audit(db, kiosk.kiosk_id, "applicant_token_revoked", mask_id_number(row.id_number), {"method": row.method})
        db.commit()
    return Response(status_code=204)
