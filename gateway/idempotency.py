"""Idempotent state changes: the first answer to a kiosk's key is stored (sealed) and replayed for every retry."""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Callable

from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.errors import ApiError
from gateway.models import IdempotencyRecord
from gateway.secrets_at_rest import seal_text, unseal_text

logger = logging.getLogger(__name__)


def body_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _purpose(record_key: tuple[str, str, str]) -> str:
    return "idempotent-answer:" + "/".join(record_key)


def _stored(response: dict, record_key: tuple[str, str, str]) -> dict:
    """The answer as stored: sealed (it may carry a pay URL's secret, a pickup code, demo digits), never in clear."""
    plain = json.dumps(response, ensure_ascii=False, separators=(",", ":")).encode()
    return {"sealed": seal_text(plain, _purpose(record_key))}


def _answer(record: IdempotencyRecord) -> dict:
    stored = record.response
    if isinstance(stored, dict) and set(stored) == {"sealed"} and isinstance(stored["sealed"], str):
        return json.loads(unseal_text(stored["sealed"], _purpose((record.kiosk_id, record.scope, record.key))))
    return stored  # stored in clear by an older gateway


def _replay(record: IdempotencyRecord, request_hash: str) -> JSONResponse:
    if record.request_hash != request_hash:
        raise ApiError(409, "idempotency_conflict", "This Idempotency-Key was already used for a different request.")
    return JSONResponse(_answer(record), status_code=record.status_code, headers={"Idempotent-Replay": "true"})


def run_idempotent(db: Session, kiosk_id: str, scope: str, key: str, body: dict,
                   action: Callable[[], tuple[int, dict]]) -> JSONResponse:
    """Runs `action` (which writes through `db` and returns status and JSON body) at most once per key.

    Only successful answers are stored: an ApiError raised by `action` rolls everything back, so the kiosk may
    retry the same key after fixing whatever was refused.
    """
    request_hash = body_hash(body)
    record = db.get(IdempotencyRecord, (kiosk_id, scope, key))
    if record is not None:
        return _replay(record, request_hash)
    status, response = action()
    db.add(IdempotencyRecord(kiosk_id=kiosk_id, scope=scope, key=key, request_hash=request_hash,
                             status_code=status, response=_stored(response, (kiosk_id, scope, key))))
    try:
        db.commit()
    except IntegrityError:
        # Another process answered the same key first (PostgreSQL lets both run until commit): replay its answer.
        db.rollback()
        record = db.get(IdempotencyRecord, (kiosk_id, scope, key))
        if record is None:
            raise ApiError(409, "conflict", "The request conflicts with the current state; retry.")
        return _replay(record, request_hash)
    return JSONResponse(response, status_code=status)
