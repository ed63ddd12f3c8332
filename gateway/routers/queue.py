"""Queue tickets and appointment check-in for what the kiosk cannot do (gateway.queue_system); no ID card needed."""
from __future__ import annotations

import logging

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway import queue_system
from gateway.deps import CurrentKiosk, Db, Settings
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["queue"])


class TicketRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    business: str = Field(pattern=r"^[a-z_]{1,16}$")


class CheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=6, max_length=64, description="the appointment QR code's text (APPT1:...)")


@router.get("/v1/queue/businesses", responses=errors(*KIOSK_ERRORS), summary="The hall's queues and their length")
def list_businesses(kiosk: CurrentKiosk, db: Db, settings: Settings) -> dict:
    queue_system.queue_system(settings)
    return {"businesses": queue_system.businesses(db, kiosk)}


@router.post("/v1/queue/tickets", status_code=201, responses=errors(*KIOSK_ERRORS),
             summary="Take a queue ticket for a business (no ID card needed)")
def take_ticket(body: TicketRequest, kiosk: CurrentKiosk, db: Db, settings: Settings) -> dict:
    queue_system.queue_system(settings)
    return queue_system.ticket_json(db, queue_system.issue(db, kiosk, body.business))


@router.post("/v1/queue/check-ins", status_code=201, responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Check in an online appointment by its QR code: its queue ticket")
def check_in(body: CheckInRequest, kiosk: CurrentKiosk, db: Db, settings: Settings) -> dict:
    return queue_system.ticket_json(db, queue_system.check_in(db, kiosk, settings, body.code))
