"""POST /v1/rating-callbacks: a low rating's call-back request, the phone number kept encrypted (the rating itself
arrives through the kiosk's outbox as a service_rating event: gateway.ratings)."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway import ratings
from gateway.deps import CurrentKiosk, Db, IdempotencyKey
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["ratings"])


class CallbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating_id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    phone: str = Field(pattern=r"^\d{10,12}$", repr=False, description="stored encrypted; shown to staff only")


@router.post("/v1/rating-callbacks", status_code=204, response_class=Response, responses=errors(*KIOSK_ERRORS),
             summary="Ask to be called back about a low rating")
def rating_callback(body: CallbackRequest, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db) -> Response:
    ratings.take_callback(db, kiosk, body.rating_id, body.phone)
    return Response(status_code=204)
