"""Fleet endpoints: heartbeats (device status in, queued commands out) and kiosk events (the kiosk's outbox)."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway.deps import ApiKey, CurrentKiosk, Db, IdempotencyKey, api_key_of, audit, authenticate_in
from gateway.errors import ApiError
from gateway.idempotency import body_hash
from gateway.jsonsafe import check_json
from gateway.models import Kiosk, KioskCommand, KioskEvent, utcnow
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["fleet"])

class Heartbeat(BaseModel):
    model_config = ConfigDict(extra="allow")
    devices: dict[str, str | dict[str, Any]] = Field(default_factory=dict, max_length=64,
                                                     description="device name -> status (or a status object)")
    stock: dict[str, Any] = Field(default_factory=dict, max_length=64)
    outbox_depth: int = Field(default=0, ge=0, le=10 ** 9)
    version: str | None = Field(default=None, max_length=64)
    uptime_s: float | None = Field(default=None, ge=0, le=10 ** 10, allow_inf_nan=False)

    @model_validator(mode="after")
    def _json_safe(self):
        check_json(self.model_dump())
        return self


class Command(BaseModel):
    command_id: str
    kind: str
    args: dict[str, Any]


class HeartbeatReply(BaseModel):
    commands: list[Command]


@router.post("/v1/heartbeats", response_model=HeartbeatReply, responses=errors(*KIOSK_ERRORS),
             summary="Report device status; receive queued commands")
async def heartbeat(request: Request, body: Heartbeat, credentials: ApiKey) -> JSONResponse:
    # The hottest call of the fleet: authentication, rate count and the heartbeat itself in one transaction and one
    # worker-thread hop.
    api_key = api_key_of(credentials)
    state = request.app.state

    def run() -> dict:
        # A Core connection rather than an ORM session: nothing here needs the ORM.
        with state.engine.connect() as db:
            kiosk = authenticate_in(db, state.settings, api_key, commit=False)
            return record_heartbeat(db, kiosk, body)

    # Returned as a response, so FastAPI does not validate and re-encode what record_heartbeat built exactly.
    return JSONResponse(await run_in_threadpool(run))


def record_heartbeat(db, kiosk, body: Heartbeat) -> dict:
    now = utcnow()
    known = {"devices", "stock", "outbox_depth", "version", "uptime_s"}
    extra = {k: v for k, v in body.model_dump().items() if k not in known} or None
    previous = kiosk.devices or {}
    # A Core UPDATE rather than the ORM unit of work: this is the hottest write in the fleet.
    db.execute(update(Kiosk).where(Kiosk.kiosk_id == kiosk.kiosk_id).values(
        last_heartbeat_at=now, devices=body.devices, stock=body.stock, outbox_depth=body.outbox_depth,
        version=body.version, uptime_s=body.uptime_s, heartbeat_extra=extra))
    changed = {name: status for name, status in body.devices.items() if previous.get(name) != status}
    if changed and previous:
        audit(db, kiosk.kiosk_id, "device_status_changed", None, {"devices": changed})
    pending = list(db.execute(select(KioskCommand.command_id, KioskCommand.kind, KioskCommand.args)
                              .where(KioskCommand.kiosk_id == kiosk.kiosk_id, KioskCommand.delivered_at.is_(None))
                              .order_by(KioskCommand.created_at, KioskCommand.command_id)))
    if pending:
        db.execute(update(KioskCommand).where(KioskCommand.command_id.in_([c.command_id for c in pending]))
                   .values(delivered_at=now))
    db.commit()
    return {"commands": [{"command_id": c.command_id, "kind": c.kind, "args": c.args} for c in pending]}


class KioskEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern=r"^[a-z][a-z0-9_.]{0,63}$")
    occurred_at: AwareDatetime
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("payload")
    @classmethod
    def _json_safe(cls, value):
        return check_json(value)


class EventAccepted(BaseModel):
    status: str = Field(description="accepted, or duplicate when this key was already applied")


MAX_CLOCK_AHEAD = dt.timedelta(hours=1)


def _apply(db, kiosk_id: str, event: KioskEventIn) -> None:
    """Effects of the events the gateway understands; every event is kept in the audit trail either way."""
    if event.kind == "command_result":
        command_id = event.payload.get("command_id")
        if not isinstance(command_id, str):
            raise ApiError(422, "event_invalid", "A command_result event needs payload.command_id.")
        command = db.get(KioskCommand, command_id)
        if command is None or command.kiosk_id != kiosk_id:
            raise ApiError(422, "event_invalid", "payload.command_id is not a command of this kiosk.")
        command.done_at = utcnow()
        command.result = {k: v for k, v in event.payload.items() if k != "command_id"}


@router.post("/v1/kiosk-events", response_model=EventAccepted, responses=errors(*KIOSK_ERRORS, 409),
             summary="Deliver one event from the kiosk's outbox (exactly once per Idempotency-Key)")
def kiosk_event(body: KioskEventIn, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db) -> dict:
    digest = body_hash(body.model_dump(mode="json"))
    existing = db.execute(select(KioskEvent).where(KioskEvent.kiosk_id == kiosk.kiosk_id,
                                                   KioskEvent.idempotency_key == key)).scalar_one_or_none()
    if existing is not None:
        if existing.body_hash != digest:
            raise ApiError(409, "idempotency_conflict", "This Idempotency-Key was already used for a different event.")
        return {"status": "duplicate"}
    now = utcnow()
    if body.occurred_at > now + MAX_CLOCK_AHEAD:
        raise ApiError(422, "event_invalid", "occurred_at is in the future; check the kiosk's clock.")
    _apply(db, kiosk.kiosk_id, body)
    db.add(KioskEvent(kiosk_id=kiosk.kiosk_id, idempotency_key=key, body_hash=digest, kind=body.kind,
                      occurred_at=body.occurred_at, received_at=now, payload=body.payload))
    try:
        audit(db, kiosk.kiosk_id, "kiosk_event", body.kind, None)  # autoflushes the event: inside the try
        db.commit()
    except IntegrityError:
        # A concurrent delivery of the same key won the race (PostgreSQL): look again.
        db.rollback()
        existing = db.execute(select(KioskEvent).where(KioskEvent.kiosk_id == kiosk.kiosk_id,
                                                       KioskEvent.idempotency_key == key)).scalar_one_or_none()
        if existing is None:
            raise
        if existing.body_hash != digest:
            raise ApiError(409, "idempotency_conflict", "This Idempotency-Key was already used for a different event.")
        return {"status": "duplicate"}
    return {"status": "accepted"}
