"""POST /v1/kiosk-events/batch: many outbox events in one request, each applied exactly once and answered one by one."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from gateway.deps import CurrentKiosk, Db
from gateway.errors import ApiError
from gateway.idempotency import body_hash
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.fleet import KioskEventIn, store_event

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
def kiosk_event_batch(body: EventBatchIn, kiosk: CurrentKiosk, db: Db) -> dict:
    # All the batch's effects commit together, or none does (a crash mid-batch: the kiosk sends it all again and
    # what was applied before answers "duplicate"). Each event runs in its own savepoint, so a refused one leaves
    # no trace and the others go on.
    for attempt in range(COMMIT_ATTEMPTS):
        held_kinds: set[str] = set()
        results = [_outcome(db, kiosk, item, held_kinds) for item in body.events]
        try:
            db.commit()
            return {"results": results}
        except IntegrityError:
            # The same key delivered concurrently by another request won (PostgreSQL): go again; it is a duplicate.
            db.rollback()
            if attempt == COMMIT_ATTEMPTS - 1:
                raise ApiError(409, "conflict", "The events conflict with a concurrent delivery; retry.") from None
    raise AssertionError("unreachable")


def _outcome(db, kiosk, item: dict, held_kinds: set) -> dict:
    key = item.get("idempotency_key") if isinstance(item.get("idempotency_key"), str) else None
    kind = item.get("kind")
    if isinstance(kind, str) and kind in held_kinds:
        return {"idempotency_key": key, "status": "held", "error": None}
    try:
        try:
            BatchEventIn.model_validate(item)
            event = KioskEventIn.model_validate({k: v for k, v in item.items() if k != "idempotency_key"})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ApiError(422, "event_invalid", f"{where}: {first['msg']}") from None
        with db.begin_nested():
            status = store_event(db, kiosk, key, event, body_hash(event.model_dump(mode="json")))
            db.flush()  # a key taken concurrently fails here, inside the savepoint, or at commit
    except ApiError as refusal:
        if refusal.status not in EVENT_IS_WRONG and isinstance(kind, str):
            held_kinds.add(kind)
        return {"idempotency_key": key, "status": "rejected",
                "error": {"status": refusal.status, "code": refusal.code, "message": refusal.message}}
    return {"idempotency_key": key, "status": status, "error": None}
