"""The durable outbox: an event is on disk before the action is reported done, then delivered in order per kind."""
from __future__ import annotations

import json
import logging
import random
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable

from offline_cache.backoff import retry_delay
from offline_cache.errors import InvalidEvent
from offline_cache.sealing import SealBroken
from offline_cache.store import Store

logger = logging.getLogger(__name__)

KIND_RE = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
MAX_PAYLOAD_BYTES = 64 * 1024

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@dataclass(frozen=True)
class OutboxEvent:
    seq: int
    kind: str
    idempotency_key: str
    occurred_at: str
    payload: dict
    attempts: int = 0
    next_attempt_at: float = 0.0
    state: str = PENDING
    last_error: str | None = None


def _context(idempotency_key: str) -> bytes:
    return b"outbox:" + idempotency_key.encode()


def _occurred(value: datetime | str | None) -> str:
    if value is None:
        return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidEvent("occurred_at is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise InvalidEvent("occurred_at needs a time zone")
    return value.isoformat(timespec="milliseconds")


class Outbox:
    def __init__(self, store: Store, *, backoff_base_s: float = 1.0, backoff_max_s: float = 300.0,
                 rng: random.Random | None = None):
        self.store = store
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.rng = rng or random.Random()
        self._listeners: list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Called (on the enqueuing thread) after each enqueue, e.g. to wake the delivery thread."""
        with self._listeners_lock:
            self._listeners.append(listener)

    # -- writing ----------------------------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict, *, occurred_at: datetime | str | None = None,
                idempotency_key: str | None = None) -> OutboxEvent:
        """Write the event durably (fsynced) and return it; only then may the caller report its action done.

        Inside an enclosing `store.write()` the event commits with the caller's other writes, atomically. Enqueuing
        again with the same idempotency key and the same content returns the stored event (a journaled step may
        repeat its enqueue after a crash); the same key with other content is refused.
        """
        if not isinstance(kind, str) or not KIND_RE.match(kind):
            raise InvalidEvent("event kind must be 1-64 characters of a-z, 0-9, '_' or '.', starting with a letter")
        if not isinstance(payload, dict):
            raise InvalidEvent("event payload must be a JSON object")
        try:
            body = json.dumps(payload, ensure_ascii=False, allow_nan=False, sort_keys=True,
                              separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidEvent(f"event payload is not JSON-serialisable ({exc.__class__.__name__})") from None
        if len(body) > MAX_PAYLOAD_BYTES:
            raise InvalidEvent(f"event payload is {len(body)} bytes; the limit is {MAX_PAYLOAD_BYTES}")
        fresh_key = idempotency_key is None
        if fresh_key:
            idempotency_key = str(uuid.uuid4())
        elif not isinstance(idempotency_key, str) or not KEY_RE.match(idempotency_key):
            raise InvalidEvent("idempotency key must be 8-128 characters of letters, digits and _ . : -")
        occurred = _occurred(occurred_at)
        sealed = self.store.sealer.seal(body, _context(idempotency_key))
        with self.store.write() as conn:
            existing = None if fresh_key else conn.execute(
                "SELECT seq, kind, occurred_at, payload FROM outbox WHERE idempotency_key = ?",
                (idempotency_key,)).fetchone()
            if existing is not None:
                seq, old_kind, old_occurred, old_sealed = existing
                old_body = self.store.sealer.open(old_sealed, _context(idempotency_key))
                if old_kind != kind or old_body != body:
                    raise InvalidEvent("idempotency key already used for a different event")
                return OutboxEvent(seq, kind, idempotency_key, old_occurred, payload)
            cur = conn.execute(
                "INSERT INTO outbox (kind, idempotency_key, occurred_at, payload, enqueued_at) VALUES (?, ?, ?, ?, ?)",
                (kind, idempotency_key, occurred, sealed, self.store.clock()))
            seq = cur.lastrowid
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return OutboxEvent(seq, kind, idempotency_key, occurred, payload)

    # -- delivery side ----------------------------------------------------------------------------------------
    def due(self, now: float | None = None, per_kind: int = 50) -> list[OutboxEvent]:
        """Pending events ready to send, oldest first: up to `per_kind` from the head of each kind whose head is due.

        A kind whose oldest event is waiting out a back-off is held back whole, which keeps each kind in order.
        """
        now = self.store.clock() if now is None else now
        rows = self.store.query(
            "SELECT seq, kind, idempotency_key, occurred_at, payload, attempts, next_attempt_at, rn FROM ("
            " SELECT *, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY seq) AS rn FROM outbox WHERE state = 'pending'"
            ") WHERE rn <= ? ORDER BY seq", (per_kind,))
        held = {kind for _, kind, _, _, _, _, next_at, rn in rows if rn == 1 and next_at > now}
        ready: list[OutboxEvent] = []
        broken: set[str] = set()
        for seq, kind, key, occurred, sealed, attempts, next_at, _ in rows:
            if kind in held or kind in broken:
                continue
            try:
                payload = json.loads(self.store.sealer.open(sealed, _context(key)))
            except (SealBroken, ValueError):
                # Unreadable at rest: it can never be sent as it was; set aside so the kind is not blocked forever.
                self.dead_letter(seq, "payload_unreadable")
                broken.add(kind)  # later events of the kind wait for the next pass, keeping their order
                continue
            ready.append(OutboxEvent(seq, kind, key, occurred, payload, attempts, next_at))
        return ready

    def next_due_at(self) -> float | None:
        """When the earliest held-back kind becomes due again (None: nothing pending)."""
        row = self.store.query(
            "SELECT MIN(next_attempt_at) FROM outbox o WHERE state = 'pending' AND seq = "
            "(SELECT MIN(seq) FROM outbox h WHERE h.state = 'pending' AND h.kind = o.kind)")
        return row[0][0] if row and row[0][0] is not None else None

    def mark_delivered(self, seqs: Iterable[int]) -> None:
        seqs = list(seqs)
        if not seqs:
            return
        now = self.store.clock()
        with self.store.write() as conn:
            conn.executemany("UPDATE outbox SET state = 'delivered', settled_at = ?, last_error = NULL "
                             "WHERE seq = ? AND state = 'pending'", [(now, s) for s in seqs])

    def mark_failed(self, seq: int, reason: str) -> float:
        """Record a failed try (network, gateway busy); returns the back-off in seconds before the next one."""
        with self.store.write() as conn:
            row = conn.execute("SELECT attempts FROM outbox WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                return 0.0
            attempts = row[0] + 1
            delay = retry_delay(attempts, base_s=self.backoff_base_s, cap_s=self.backoff_max_s, rng=self.rng)
            conn.execute("UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?",
                         (attempts, self.store.clock() + delay, reason[:200], seq))
        return delay

    def dead_letter(self, seq: int, reason: str) -> None:
        """Set an event aside for good (the gateway called it invalid); the rest of its kind carries on."""
        with self.store.write() as conn:
            conn.execute("UPDATE outbox SET state = 'dead', settled_at = ?, last_error = ?, attempts = attempts + 1 "
                         "WHERE seq = ? AND state = 'pending'", (self.store.clock(), reason[:200], seq))
        logger.warning("outbox event %d dead-lettered: %s", seq, reason[:200])

    def retry_now(self) -> None:
        """Forget the back-off of every pending event (the gateway is reachable again)."""
        with self.store.write() as conn:
            conn.execute("UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending' AND next_attempt_at > 0")

    # -- staff and fleet --------------------------------------------------------------------------------------
    def depth(self) -> int:
        """Events not yet delivered (the heartbeat's outbox_depth)."""
        return self.store.query("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")[0][0]

    def counts(self) -> dict[str, int]:
        counts = {PENDING: 0, DELIVERED: 0, DEAD: 0}
        counts.update(dict(self.store.query("SELECT state, COUNT(*) FROM outbox GROUP BY state")))
        return counts

    def dead_letters(self) -> list[OutboxEvent]:
        """Dead-lettered events with their reason (payloads are opened: show them to staff masked)."""
        out = []
        for seq, kind, key, occurred, sealed, attempts, reason in self.store.query(
                "SELECT seq, kind, idempotency_key, occurred_at, payload, attempts, last_error FROM outbox "
                "WHERE state = 'dead' ORDER BY seq"):
            try:
                payload = json.loads(self.store.sealer.open(sealed, _context(key)))
            except (SealBroken, ValueError):
                payload = {}
            out.append(OutboxEvent(seq, kind, key, occurred, payload, attempts, 0.0, DEAD, reason))
        return out

    def requeue(self, seq: int) -> bool:
        """Put a dead-lettered event back in line (after the gateway was fixed); it keeps its idempotency key."""
        with self.store.write() as conn:
            cur = conn.execute("UPDATE outbox SET state = 'pending', settled_at = NULL, next_attempt_at = 0 "
                               "WHERE seq = ? AND state = 'dead'", (seq,))
        return cur.rowcount == 1
