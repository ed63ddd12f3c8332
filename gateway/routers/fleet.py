"""Fleet endpoints: heartbeats (device status in, queued commands out) and kiosk events (the kiosk's outbox)."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from gateway.deps import ApiKey, CurrentKiosk, Db, IdempotencyKey, api_key_of, audit, authenticate_in
from gateway.db import RELAXED_DURABILITY
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
    sqlite = state.engine.dialect.name == "sqlite"

    def run() -> dict:
        # A Core connection rather than an ORM session: nothing here needs the ORM. On SQLite the heartbeat row and
        # the rate count may be lost in a power cut (the next heartbeat replaces them), so the transaction commits
        # without the fsync (RELAXED_DURABILITY); one that must audit a device status change is done again durably.
        for relaxed in ((True, False) if sqlite else (False,)):
            with state.engine.connect() as db:
                db.execution_options(**{RELAXED_DURABILITY: relaxed})
                kiosk = authenticate_in(db, state.settings, api_key, commit=False)
                try:
                    return record_heartbeat(db, kiosk, body, relaxed=relaxed)
                except _NeedsDurableCommit:
                    db.rollback()
        raise AssertionError("unreachable: the durable attempt never asks for another")

    # Returned as a response, so FastAPI does not validate and re-encode what record_heartbeat built exactly.
    return JSONResponse(await anyio.to_thread.run_sync(run, limiter=_heartbeat_limiter(state) if sqlite else None))


def _heartbeat_limiter(state) -> anyio.CapacityLimiter:
    """On SQLite, one heartbeat transaction at a time per process: they all need the one write lock, and threads of
    one process polling for it (and fighting over the GIL) cost more than queueing for it here. Waiting here holds no
    database connection."""
    limiter = getattr(state, "sqlite_heartbeat_limiter", None)
    if limiter is None:
        limiter = state.sqlite_heartbeat_limiter = anyio.CapacityLimiter(1)
    return limiter


# The heartbeat's statements are built once, with bind parameters, and reused (see gateway.deps).
_kiosks = Kiosk.__table__
_commands = KioskCommand.__table__
_HEARTBEAT_FIELDS = ("devices", "stock", "outbox_depth", "version", "uptime_s")
_RECORD_HEARTBEAT = update(_kiosks).where(_kiosks.c.kiosk_id == bindparam("hb_kiosk_id")).values(
    last_heartbeat_at=bindparam("hb_at"), heartbeat_extra=bindparam("hb_extra"),
    **{name: bindparam(f"hb_{name}") for name in _HEARTBEAT_FIELDS})
_PENDING_COMMANDS = (select(_commands.c.command_id, _commands.c.kind, _commands.c.args)
                     .where(_commands.c.kiosk_id == bindparam("kiosk_id"), _commands.c.delivered_at.is_(None))
                     .order_by(_commands.c.created_at, _commands.c.command_id))
_MARK_DELIVERED = update(_commands).where(_commands.c.command_id.in_(bindparam("command_ids", expanding=True))).values(
    delivered_at=bindparam("delivered_at"))


class _NeedsDurableCommit(Exception):
    """The heartbeat changes a device status, whose audit entry must survive a power cut."""


def record_heartbeat(db, kiosk, body: Heartbeat, *, relaxed: bool = False) -> dict:
    """Records the heartbeat and hands out pending commands, committing; `relaxed`: the caller's transaction commits
    without the fsync, so raise _NeedsDurableCommit (having written nothing) when there is an audit entry to add."""
    now = utcnow()
    extra = body.model_extra or None  # the fields beyond the known ones, as sent
    previous = kiosk.devices or {}
    changed = {name: status for name, status in body.devices.items() if previous.get(name) != status}
    if changed and previous and relaxed:
        raise _NeedsDurableCommit
    # A Core UPDATE rather than the ORM unit of work: this is the hottest write in the fleet.
    db.execute(_RECORD_HEARTBEAT, {"hb_kiosk_id": kiosk.kiosk_id, "hb_at": now, "hb_extra": extra,
                                   **{f"hb_{name}": getattr(body, name) for name in _HEARTBEAT_FIELDS}})
    if changed and previous:
        audit(db, kiosk.kiosk_id, "device_status_changed", None, {"devices": changed})
    pending = list(db.execute(_PENDING_COMMANDS, {"kiosk_id": kiosk.kiosk_id}))
    if pending:
        db.execute(_MARK_DELIVERED, {"command_ids": [c.command_id for c in pending], "delivered_at": now})
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
