"""POST /v1/kiosk-events/batch: many outbox events in one request, each applied exactly once and answered one by one."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from gateway import audit_chain
from gateway.deps import CurrentKiosk, Db
from gateway.errors import ApiError
from gateway.idempotency import body_hash
from gateway.models import KioskEvent, utcnow
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.fleet import KINDS_WITH_EFFECTS, MAX_CLOCK_AHEAD, KioskEventIn, apply_event

logger = logging.getLogger(__name__)

router = APIRouter(tags=["fleet"])

MAX_BATCH = 500
# Refusals that say the event itself is wrong: they do not hold back the rest of its kind (the kiosk dead-letters
# it). Any other refusal of an event holds back the later events of its kind in the batch, to keep their order.
EVENT_IS_WRONG = frozenset({400, 409, 413, 422})
COMMIT_ATTEMPTS = 3


class BatchEventIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    idempotency_key: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")


class EventBatchIn(BaseModel):
    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH,
                                         description="{idempotency_key, kind, occurred_at, payload}, oldest first")


class EventError(BaseModel):
    status: int
    code: str
    message: str


class EventOutcome(BaseModel):
    idempotency_key: str | None
    status: str = Field(description="accepted; duplicate (already applied under this key); rejected (see error); "
                                    "held (not looked at because an earlier event of its kind was refused: send again)")
    error: EventError | None = None


class EventBatchOut(BaseModel):
    results: list[EventOutcome]


@router.post("/v1/kiosk-events/batch", response_model=EventBatchOut, responses=errors(*KIOSK_ERRORS),
             summary="Deliver many outbox events at once; each is applied exactly once and answered in order")
def kiosk_event_batch(body: EventBatchIn, kiosk: CurrentKiosk, db: Db) -> JSONResponse:
    # All the batch's effects commit together, or none does (a crash mid-batch: the kiosk sends it all again and
    # what was applied before answers "duplicate"). An event with effects (a command result, a pickup) runs them in
    # its own savepoint, so a refused one leaves no trace and the others go on. The events and their audit entries
    # are written together at the end: one multi-row insert each, the audit chain's head taken once.
    parsed = [_parse(item) for item in body.events]
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            results = _store_batch(db, kiosk, parsed)
            db.commit()
            return JSONResponse({"results": results})
        except IntegrityError:
            # The same key delivered concurrently by another request won (PostgreSQL): go again; it is a duplicate.
            db.rollback()
            if attempt == COMMIT_ATTEMPTS - 1:
                raise ApiError(409, "conflict", "The events conflict with a concurrent delivery; retry.") from None
    raise AssertionError("unreachable")


def _parse(item: dict) -> tuple[str | None, KioskEventIn | ApiError, str | None, str | None]:
    """(idempotency key, the event or why it is refused, its body hash, its kind as sent)."""
    key = item.get("idempotency_key") if isinstance(item.get("idempotency_key"), str) else None
    try:
        BatchEventIn.model_validate(item)
        event = KioskEventIn.model_validate({k: v for k, v in item.items() if k != "idempotency_key"})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        kind = item.get("kind")
        return key, ApiError(422, "event_invalid", f"{where}: {first['msg']}"), None, \
            kind if isinstance(kind, str) else None
    return key, event, body_hash(event.model_dump(mode="json")), event.kind


_events = KioskEvent.__table__
_KNOWN = select(_events.c.idempotency_key, _events.c.body_hash).where(
    _events.c.kiosk_id == bindparam("kiosk_id"), _events.c.idempotency_key.in_(bindparam("keys", expanding=True)))
def _store_batch(db, kiosk, parsed: list) -> list[dict]:
    keys = [key for key, event, _, _ in parsed if isinstance(event, KioskEventIn)]
    known = dict(db.execute(_KNOWN, {"kiosk_id": kiosk.kiosk_id, "keys": keys}).all()) if keys else {}
    held_kinds: set[str] = set()
    now = utcnow()
    rows, audits, results = [], [], []
    for key, event, digest, kind in parsed:
        if kind in held_kinds:
            results.append({"idempotency_key": key, "status": "held", "error": None})
            continue
        try:
            if isinstance(event, ApiError):
                raise event
            if key in known:
                if known[key] != digest:
                    raise ApiError(409, "idempotency_conflict",
                                   "This Idempotency-Key was already used for a different event.")
                results.append({"idempotency_key": key, "status": "duplicate", "error": None})
                continue
            if event.occurred_at > now + MAX_CLOCK_AHEAD:
                raise ApiError(422, "event_invalid", "occurred_at is in the future; check the kiosk's clock.")
            if event.kind in KINDS_WITH_EFFECTS:
                with db.begin_nested():
                    apply_event(db, kiosk, event)
        except ApiError as refusal:
            if refusal.status not in EVENT_IS_WRONG and kind is not None:
                held_kinds.add(kind)
            results.append({"idempotency_key": key, "status": "rejected",
                            "error": {"status": refusal.status, "code": refusal.code, "message": refusal.message}})
            continue
        known[key] = digest
        rows.append({"kiosk_id": kiosk.kiosk_id, "idempotency_key": key, "body_hash": digest, "kind": event.kind,
                     "occurred_at": event.occurred_at, "received_at": now, "payload": event.payload})
        audits.append((kiosk.kiosk_id, "kiosk_event", event.kind, None))
        results.append({"idempotency_key": key, "status": "accepted", "error": None})
    if rows:
        db.execute(insert(_events), rows)
        audit_chain.append_many(db, audits, at=now)
    return results
