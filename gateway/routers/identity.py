"""POST /v1/identity-verifications: the gateway decides who the applicant is, from the kiosk's live evidence.

The kiosk sends the live face encodings it made (one at the match, one after the liveness challenge), what its
liveness check saw and the card read's details; the gateway compares the encodings with the registry portrait's
(and, when the kiosk's vendor WLT decoder gave one, with the card photo too) and mints a token only on its own match.
An unknown ID number, a portrait that cannot be used and a face that does not match all get the same answer, so the
route tells a caller nothing about who exists. The live encodings are dropped as soon as the decision is made; the
audit chain keeps the decision, the distance and the threshold.
"""
from __future__ import annotations

import base64
import binascii
import logging
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gateway import face_match, identity_caps, identity_policy
from gateway.deps import CurrentKiosk, Db, Settings, audit
from gateway.errors import ApiError
from gateway.identity import mask_id_number, valid_id_number
from gateway.identity_models import IdentityAttempt
from gateway.reference_store import References
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.tokens import TokenResponse, mint_token

logger = logging.getLogger(__name__)

router = APIRouter(tags=["applicants"])

NOT_VERIFIED = ("not_verified", "The applicant could not be verified; ask a member of staff.")
# Two frames of one live face are never bit-for-bit the same encoding: equal ones were copied, not captured.
MIN_DISTINCT = 1e-6
MAX_CARD_PHOTO_B64 = 40_000  # the card's photo is 102x126: a few KB as JPEG or PNG


class Liveness(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passed: bool = Field(description="The kiosk's liveness check ended in a pass")
    blink: bool = False
    turn: bool = False


class CardRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    card_type: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,16}$")
    valid_to: str | None = Field(default=None, max_length=16, description="YYYYMMDD, or the card's no-expiry word")
    photo: str | None = Field(default=None, max_length=MAX_CARD_PHOTO_B64,
                              description="Base64 of the card photo as the vendor WLT decoder gave it (JPEG/PNG/BMP)")


LiveEncoding = Annotated[list[Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)]],
                         Field(min_length=face_match.ENCODING_SIZE, max_length=face_match.ENCODING_SIZE)]


class VerificationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(min_length=15, max_length=18, description="As read from the card")
    method: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="face")
    live_encodings: list[LiveEncoding] = Field(min_length=2, max_length=4,
                                               description="128-d face_recognition encodings of the live face, "
                                                           "each from a different frame (the match and the "
                                                           "confirmation)")
    liveness: Liveness
    card: CardRead = Field(default_factory=CardRead)


def _live(values: list[list[float]]) -> list:
    encodings = [face_match.as_encoding(v) for v in values]
    if any(e is None for e in encodings):
        raise ApiError(422, "invalid_encoding", "Each live encoding must be 128 finite numbers between -1 and 1.")
    for i, a in enumerate(encodings):
        for b in encodings[i + 1:]:
            if face_match.distance(a, b) < MIN_DISTINCT:
                raise ApiError(422, "invalid_encoding", "The live encodings must come from different frames.")
    return encodings


def _card_reference(photo_b64: str | None):
    """The card photo's encoding, or None (no photo, or one with no usable face: then the registry alone decides)."""
    if not photo_b64:
        return None, "none"
    try:
        data = base64.b64decode(photo_b64, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_card_photo", "The card photo is not valid base64.") from None
    try:
        return face_match.encode_image(data), "compared"
    except face_match.ReferenceUnusable:
        return None, "unusable"


@router.post("/v1/identity-verifications", status_code=201, response_model=TokenResponse,
             responses=errors(*KIOSK_ERRORS, 409), summary="Decide an applicant's identity from live face evidence")
def verify_identity(body: VerificationRequest, kiosk: CurrentKiosk, db: Db, settings: Settings,
                    references: References) -> dict:
    identity_caps.refuse_if_held(db, kiosk.kiosk_id)
    policy = identity_policy.policy_for(db, kiosk, settings)
    identity_policy.require_method(policy, body.method)
    if body.method != "face":
        raise ApiError(422, "unknown_method", "Only face evidence is decided here; card-only methods use "
                                              "POST /v1/applicant-tokens where policy allows them.")
    if not valid_id_number(body.id_number):
        raise ApiError(422, "invalid_id_number", "The ID number is not well formed or its check character is wrong.")
    if not body.liveness.passed or not (body.liveness.blink or body.liveness.turn):
        raise ApiError(403, "liveness_required", "The kiosk's liveness check must have passed (blink or head turn).")
    live = _live(body.live_encodings)
    digest = references.evidence_digest(live)
    if db.execute(select(IdentityAttempt.id).where(IdentityAttempt.evidence_digest == digest)).first():
        audit(db, kiosk.kiosk_id, "identity_evidence_replayed", mask_id_number(body.id_number), {})
        db.commit()
        logger.warning("kiosk %s sent face evidence already used once: refused", kiosk.kiosk_id)
        raise ApiError(409, "evidence_replayed", "This evidence was already used once; capture the face again.")
    card_ref, card_photo = _card_reference(body.card.photo)
    reference = references.reference(db, body.id_number)
    threshold = settings.face_distance_threshold
    distance = None
    if reference is not None:
        distance = max(face_match.distance(reference, e) for e in live)
        if card_ref is not None:
            distance = max(distance, max(face_match.distance(card_ref, e) for e in live))
    matched = distance is not None and distance <= threshold
    del live, reference, card_ref  # the live encodings go no further than this decision
    crossed = identity_caps.record(db, kiosk.kiosk_id, references.subject_key(body.id_number), matched, policy,
                                   digest)
    audit(db, kiosk.kiosk_id, "identity_decision", mask_id_number(body.id_number),
          {"method": "face", "matched": matched, "distance": None if distance is None else round(distance, 4),
           "threshold": threshold, "reference": "registry" if distance is not None else "none",
           "card_photo": card_photo, "liveness": {"blink": body.liveness.blink, "turn": body.liveness.turn}})
    db.commit()
    logger.info("identity decision for kiosk %s: %s", kiosk.kiosk_id, "matched" if matched else "not verified")
    if crossed is not None:
        identity_caps.refuse_if_held(db, kiosk.kiosk_id)
    if not matched:
        raise ApiError(403, *NOT_VERIFIED)
    return mint_token(db, kiosk, body.id_number, "face", round(distance, 4), settings)
