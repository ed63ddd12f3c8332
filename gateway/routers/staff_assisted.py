"""POST /v1/staff-assisted-verifications: a hall's staff member vouches for an applicant (credential, PIN, reason)."""
from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway import identity_caps, identity_policy, staff_assist
from gateway.deps import CurrentKiosk, Db, Settings
from gateway.errors import ApiError
from gateway.identity import mask_id_number, valid_id_number
from gateway.reference_store import References
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.tokens import mint_token

logger = logging.getLogger(__name__)

router = APIRouter(tags=["applicants"])


class StaffAssistedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential_kind: Literal["card", "qr"] = Field(description="the staff member's card read, or their staff QR code")
    credential: str = Field(min_length=8, max_length=200, repr=False)
    pin: str = Field(pattern=r"^\d{4,12}$", repr=False)
    id_number: str = Field(min_length=15, max_length=18, repr=False, description="the applicant's card, read now")
    reason: Literal["elderly", "disability", "camera_failure", "other"]
    reason_text: str | None = Field(default=None, max_length=80, description="with reason 'other' only")


class StaffAssistedAnswer(BaseModel):
    token: str
    expires_at: str
    staff_id: str
    services: list[str] = Field(description="what this token opens at this kiosk (its policy)")


@router.post("/v1/staff-assisted-verifications", status_code=201, response_model=StaffAssistedAnswer,
             responses=errors(*KIOSK_ERRORS), summary="Verify an applicant on a staff member's word (audited)")
def staff_assisted_verification(body: StaffAssistedRequest, kiosk: CurrentKiosk, db: Db, settings: Settings,
                                references: References) -> dict:
    if not valid_id_number(body.id_number):
        raise ApiError(422, "invalid_id_number", "The ID number is not well formed or its check character is wrong.")
    text = (body.reason_text or "").strip() or None
    if body.reason == "other" and text is None:
        raise ApiError(422, "reason_text_required", "Say why in a few words when the reason is 'other'.")
    if body.reason != "other":
        text = None
    if text is not None and not staff_assist.reason_text_ok(text):
        raise ApiError(422, "invalid_reason_text", "The reason names why, in words; it holds no numbers.")
    identity_caps.refuse_if_held(db, kiosk.kiosk_id)
    policy = identity_policy.policy_for(db, kiosk, settings)
    identity_policy.require_method(policy, "staff_assisted", staff_vouched=True)
    staff = staff_assist.staff_for(db, kiosk, references, body.credential_kind, body.credential)
    staff_assist.check_pin(db, kiosk, staff, body.pin)
    staff_assist.record_check(db, kiosk, staff, body.reason, text, mask_id_number(body.id_number))
    logger.info("staff-assisted verification at %s by %s (%s)", kiosk.kiosk_id, staff.staff_id, body.reason)
    minted = mint_token(db, kiosk, body.id_number, "staff_assisted", None, settings)  # commits the check with it
    return {"token": minted["token"], "expires_at": minted["expires_at"].isoformat(), "staff_id": staff.staff_id,
            "services": sorted(policy.staff_assisted_services)}
