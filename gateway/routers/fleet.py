"""Fleet endpoints: heartbeats (device status in, queued commands out) and kiosk events (the kiosk's outbox)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
import functools
import json
import logging
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from gateway.central_config import cached_reply_part, heartbeat_reply_part
from gateway.db import RELAXED_DURABILITY, GroupCommit
from gateway import pg_hot_paths
from gateway.deps import (ApiKey, CurrentKiosk, Db, IdempotencyKey, api_key_of, audit, authenticate_in, count_request,
                          find_kiosk, kiosk_refusal, rate_refusal, sha256_hex)
from gateway.errors import ApiError
from gateway.idempotency import body_hash
from gateway.jsonsafe import check_json
from gateway.models import Kiosk, KioskCommand, KioskEvent, utcnow
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.lockers import apply_pickup_event
from gateway.tls import peer_cert_name

logger = logging.getLogger(__name__)

router = APIRouter(tags=["fleet"])

class AuditHead(BaseModel):
    """The newest record of the kiosk's own audit log (offline_cache/audit.py): its sequence number and hash."""

    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=0, le=2 ** 62)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class Heartbeat(BaseModel):
    model_config = ConfigDict(extra="allow")
    # Absent: this kiosk keeps no audit log (or older software); null: its log is empty.
    audit_head: AuditHead | None = Field(default=None, description="the kiosk's audit log head; it never goes back")
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
    config: dict[str, Any] | None = Field(default=None, description="central configuration to apply at the next idle "
                                          "moment: {version, hash, overlay} (gateway/central_config.py)")


@router.post("/v1/heartbeats", response_model=HeartbeatReply, responses=errors(*KIOSK_ERRORS, 409),
             summary="Report device status; receive queued commands")
async def heartbeat(request: Request, body: Heartbeat, credentials: ApiKey) -> Response:
    return await answer_heartbeat(request.app.state, body, api_key_of(credentials))


async def answer_heartbeat(state, body: Heartbeat, api_key: str) -> Response:
    """The heartbeat's answer, for this route and its lean twin (gateway/routers/lean_heartbeat.py)."""
    # The hottest call of the fleet: authentication, rate count and the heartbeat itself in one transaction.
    engine = state.engine
    # Returned as a response, so FastAPI does not validate and re-encode what record_heartbeat built exactly.
    if engine.dialect.name == "postgresql":
        # One statement, one round trip (gateway/pg_hot_paths.py); the reply comes back as JSON text from it.
        reply = await _heartbeat_in_one_statement(state, api_key, peer_cert_name.get(), body)
        if reply is not None:
            return Response(reply, media_type="application/json")
    elif engine.dialect.name == "sqlite":
        # On SQLite the heartbeat row and the rate count may be lost in a power cut (the next heartbeat replaces
        # them), so heartbeats are written without the fsync (RELAXED_DURABILITY), several to a transaction
        # (GroupCommit). One that must audit a device status change is written alone and durably, in a worker
        # thread: an fsync blocks.
        try:
            return JSONResponse(await _group_commit(state).submit((api_key, peer_cert_name.get(), body)))
        except _NeedsDurableCommit:
            pass

    def durable() -> dict:
        # A Core connection rather than an ORM session: nothing here needs the ORM.
        with engine.connect() as db:
            kiosk = authenticate_in(db, state.settings, api_key, commit=False)
            rollback = audit_rollback(kiosk, body)
            if rollback is not None:
                refuse_rollback(db, kiosk, body, rollback)  # commits the alert and the audit entry, then raises
            return record_heartbeat(db, kiosk, body)

    return JSONResponse(await anyio.to_thread.run_sync(durable))


async def _heartbeat_in_one_statement(state, api_key: str, peer_cert: str | None, body: Heartbeat) -> str | None:
    """The heartbeat on PostgreSQL in one statement: the reply's JSON text; None for one that changes a device status
    (nothing written: it goes the general way, with its audit entry); a refusal is raised."""
    settings = state.settings
    now = utcnow()
    outcome = await pg_hot_paths.heartbeat(
        pg_hot_paths.hot_path_pool(state), key_hash=sha256_hex(api_key), cert=peer_cert,
        require_cert=settings.require_client_cert, limit=settings.rate_limit_per_minute, body=body,
        extra=body.model_extra or None, now=now, redeliver_before=now - COMMAND_REDELIVER_AFTER)
    refusal = kiosk_refusal(outcome.kiosk_id, outcome.enabled, settings, peer_cert)
    if refusal is None and not outcome.changed:
        refusal = rate_refusal(outcome.rate_count, settings.rate_limit_per_minute, now.timestamp())
    if refusal is not None:
        raise refusal
    # Central configuration (gateway/central_config.py) rides on the reply; its rows are cached per process, so
    # this costs a query only every CACHE_S seconds.
    part = cached_reply_part(state.engine, outcome.kiosk_id, body)
    if part is None:
        def ask() -> dict:
            with state.engine.connect() as db:
                return heartbeat_reply_part(db, _KioskRef(outcome.kiosk_id), body)
        part = await anyio.to_thread.run_sync(ask)
    if part:
        return json.dumps({**json.loads(outcome.reply), **part})
    return outcome.reply


@dataclass(frozen=True)
class _KioskRef:
    kiosk_id: str


def _group_commit(state) -> GroupCommit:
    writer = getattr(state, "heartbeat_group_commit", None)
    if writer is None:
        writer = state.heartbeat_group_commit = GroupCommit(
            state.engine, functools.partial(record_heartbeats, state.engine, state.settings))
    return writer


def record_heartbeats(engine, settings, items: list[tuple[str, str | None, Heartbeat]]) -> list:
    """Several kiosks' heartbeats (api key, client certificate CN, body) in one transaction without the fsync; one
    outcome each: the reply, an ApiError refusal, or _NeedsDurableCommit (nothing of it written) for one that must
    audit a device status change. A refused heartbeat's rate count is committed with the others."""
    outcomes: list = []
    with engine.connect() as db:
        db.execution_options(**{RELAXED_DURABILITY: True})
        for api_key, peer_cert, body in items:
            try:
                kiosk = find_kiosk(db, settings, api_key, peer_cert)
                if _audited_changes(kiosk, body) or audit_rollback(kiosk, body) is not None:
                    raise _NeedsDurableCommit
                refusal = count_request(db, settings, kiosk.kiosk_id)
                if refusal is not None:
                    raise refusal
                outcomes.append(record_heartbeat(db, kiosk, body, commit=False))
            except (ApiError, _NeedsDurableCommit) as refused:
                outcomes.append(refused)
        db.commit()
    return outcomes


# The heartbeat's statements are built once, with bind parameters, and reused (see gateway.deps).
_kiosks = Kiosk.__table__
_commands = KioskCommand.__table__
_HEARTBEAT_FIELDS = ("devices", "stock", "outbox_depth", "version", "uptime_s")
_RECORD_HEARTBEAT = update(_kiosks).where(_kiosks.c.kiosk_id == bindparam("hb_kiosk_id")).values(
    last_heartbeat_at=bindparam("hb_at"), heartbeat_extra=bindparam("hb_extra"),
    audit_head=bindparam("hb_audit_head"), **{name: bindparam(f"hb_{name}") for name in _HEARTBEAT_FIELDS})
# Pending: never delivered, or delivered long ago and never reported done (the reply may have been lost on the way:
# the kiosk carries out a command id once, so sending it again is safe).
_PENDING_COMMANDS = (select(_commands.c.command_id, _commands.c.kind, _commands.c.args)
                     .where(_commands.c.kiosk_id == bindparam("kiosk_id"),
                            or_(_commands.c.delivered_at.is_(None),
                                and_(_commands.c.done_at.is_(None),
                                     _commands.c.delivered_at < bindparam("redeliver_before"))))
                     .order_by(_commands.c.created_at, _commands.c.command_id))
_MARK_DELIVERED = update(_commands).where(_commands.c.command_id.in_(bindparam("command_ids", expanding=True))).values(
    delivered_at=bindparam("delivered_at"))


# A command delivered but not reported done after this long is sent again (a kiosk heartbeats every 30 s by default
# and reports a result on its next heartbeat).
COMMAND_REDELIVER_AFTER = dt.timedelta(minutes=3)


class _NeedsDurableCommit(Exception):
    """The heartbeat changes a device status, whose audit entry must survive a power cut."""


def _audited_changes(kiosk, body: Heartbeat) -> dict:
    """The device statuses this heartbeat changes, when they go in the audit trail (not on a kiosk's first one)."""
    previous = kiosk.devices or {}
    if not previous:
        return {}
    return {name: status for name, status in body.devices.items() if previous.get(name) != status}


def audit_rollback(kiosk, body: Heartbeat) -> str | None:
    """Why this heartbeat's audit head goes backwards from the one last recorded (None: it does not). A kiosk whose
    newest records were deleted and an older sealed head restored verifies locally; only the gateway can tell."""
    previous = kiosk.audit_head
    if not previous or "audit_head" not in body.model_fields_set:
        return None
    head = body.audit_head
    if head is None:
        return f"the kiosk reports an empty audit log; it had reached record {previous['seq']}"
    if head.seq < previous["seq"]:
        return f"the kiosk's audit log went back from record {previous['seq']} to {head.seq}"
    if head.seq == previous["seq"] and head.hash != previous["hash"]:
        return f"the kiosk's audit record {head.seq} is not the one it reported before"
    return None


def _audit_head_to_store(kiosk, body: Heartbeat) -> dict | None:
    """What the kiosk row keeps: the new head (with any earlier rollback flag carried on), or the old one."""
    if "audit_head" not in body.model_fields_set or body.audit_head is None:
        return kiosk.audit_head
    stored = {"seq": body.audit_head.seq, "hash": body.audit_head.hash}
    if kiosk.audit_head and "rollback" in kiosk.audit_head:
        stored["rollback"] = kiosk.audit_head["rollback"]
    return stored


def refuse_rollback(db, kiosk, body: Heartbeat, reason: str) -> None:
    """Keeps the higher head, flags the kiosk, raises a fleet alert and audits it, commits; then refuses (409)."""
    from gateway.dashboard.alerts import raise_alert

    now = utcnow()
    flagged = {**kiosk.audit_head, "rollback": {"at": now.isoformat(timespec="seconds"), "reason": reason}}
    db.execute(update(_kiosks).where(_kiosks.c.kiosk_id == kiosk.kiosk_id).values(audit_head=flagged))
    reported = None if body.audit_head is None else body.audit_head.seq
    audit(db, kiosk.kiosk_id, "kiosk_audit_rollback", None,
          {"recorded_seq": kiosk.audit_head["seq"], "reported_seq": reported})
    raise_alert(db, kiosk.kiosk_id, "audit_rollback", "", reason[:200], now)
    db.commit()
    logger.warning("kiosk %s: audit log rollback refused: %s", kiosk.kiosk_id, reason)
    raise ApiError(409, "audit_rollback", "The kiosk's audit log went backwards; the registration centre has been "
                                          "alerted. " + reason + ".")


def record_heartbeat(db, kiosk, body: Heartbeat, *, commit: bool = True) -> dict:
    """Records the heartbeat, audits device status changes and hands out pending commands (marked delivered), in
    the caller's transaction; commits it unless told not to."""
    now = utcnow()
    extra = body.model_extra or None  # the fields beyond the known ones, as sent
    changed = _audited_changes(kiosk, body)
    # A Core UPDATE rather than the ORM unit of work: this is the hottest write in the fleet.
    db.execute(_RECORD_HEARTBEAT, {"hb_kiosk_id": kiosk.kiosk_id, "hb_at": now, "hb_extra": extra,
                                   "hb_audit_head": _audit_head_to_store(kiosk, body),
                                   **{f"hb_{name}": getattr(body, name) for name in _HEARTBEAT_FIELDS}})
    if changed:
        audit(db, kiosk.kiosk_id, "device_status_changed", None, {"devices": changed})
    pending = list(db.execute(_PENDING_COMMANDS, {"kiosk_id": kiosk.kiosk_id,
                                                   "redeliver_before": now - COMMAND_REDELIVER_AFTER}))
    if pending:
        db.execute(_MARK_DELIVERED, {"command_ids": [c.command_id for c in pending], "delivered_at": now})
    reply = {"commands": [{"command_id": c.command_id, "kind": c.kind, "args": c.args} for c in pending]}
    reply.update(heartbeat_reply_part(db, kiosk, body))  # central configuration, while the kiosk runs another
    if commit:
        db.commit()
    return reply


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
    try:
        status = store_event(db, kiosk, key, body, digest)  # its audit entry autoflushes the event: inside the try
        if status == "duplicate":
            return {"status": status}
        db.commit()
    except IntegrityError:
        # A concurrent delivery of the same key won the race (PostgreSQL): look again.
        db.rollback()
        if _known_event(db, kiosk.kiosk_id, key, digest) is None:
            raise
        return {"status": "duplicate"}
    return {"status": "accepted"}


def _known_event(db, kiosk_id: str, key: str, digest: str) -> str | None:
    """"duplicate" when the key was already applied with this body; a 409 when with another; None if unknown."""
    existing = db.execute(select(KioskEvent.body_hash).where(KioskEvent.kiosk_id == kiosk_id,
                                                             KioskEvent.idempotency_key == key)).scalar_one_or_none()
    if existing is None:
        return None
    if existing != digest:
        raise ApiError(409, "idempotency_conflict", "This Idempotency-Key was already used for a different event.")
    return "duplicate"


# The kinds apply_event acts on (every other kind is only kept): the batch endpoint applies these one by one.
KINDS_WITH_EFFECTS = frozenset({"command_result", "locker_pickup", "locker_dropoff", "service_rating"})


def apply_event(db, kiosk, event: KioskEventIn) -> None:
    """The effects of one event on the gateway's state (an ApiError refuses it), in the caller's transaction."""
    _apply(db, kiosk.kiosk_id, event)
    if event.kind == "locker_pickup":  # the deposit and the case become collected (gateway/routers/lockers.py)
        apply_pickup_event(db, kiosk, event.payload, event.occurred_at)
    if event.kind == "locker_dropoff":  # a document put in while the gateway was away (gateway/routers/dropoffs.py)
        __import__("gateway.routers.dropoffs", fromlist=["x"]).apply_dropoff_event(db, kiosk, event.payload,
                                                                                   event.occurred_at)
    if event.kind == "service_rating":  # 好差评 (gateway/ratings.py): the rating row, nothing about the person
        __import__("gateway.ratings", fromlist=["x"]).apply_rating_event(db, kiosk.kiosk_id, event.payload,
                                                                         event.occurred_at)


def store_event(db, kiosk, key: str, body: KioskEventIn, digest: str) -> str:
    """Applies one kiosk event and keeps it, in the caller's transaction (not committed): "accepted", or
    "duplicate" when the key was already applied with the same body (nothing written); an ApiError refuses it.
    The batch endpoint (gateway/routers/kiosk_event_batches.py) does the same for many at once."""
    known = _known_event(db, kiosk.kiosk_id, key, digest)
    if known is not None:
        return known
    now = utcnow()
    if body.occurred_at > now + MAX_CLOCK_AHEAD:
        raise ApiError(422, "event_invalid", "occurred_at is in the future; check the kiosk's clock.")
    apply_event(db, kiosk, body)
    db.add(KioskEvent(kiosk_id=kiosk.kiosk_id, idempotency_key=key, body_hash=digest, kind=body.kind,
                      occurred_at=body.occurred_at, received_at=now, payload=body.payload))
    audit(db, kiosk.kiosk_id, "kiosk_event", body.kind, None)
    return "accepted"
