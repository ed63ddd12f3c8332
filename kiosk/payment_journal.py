"""The payment journal: every payment order this kiosk starts, written durably before the order exists.

A payment is journaled with its idempotency key BEFORE the order is created, its order id as soon as the gateway
answers, its outcome when known, and the receipt once printed. An entry still open (order being created, pending,
or paid without a receipt) means the kiosk does not know how the payment ended: the payment flow reconciles it with
the gateway (same idempotency key, then payment_status) before it offers anything for that case again, so an order
is never created twice and a receipt is printed once.

It lives in the offline store's encrypted SQLite database (offline_cache.store.Store), in its own table; what the
receipt needs (fee items, the pay link) is sealed. Nothing personal is kept: case ids, order ids and amounts only.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Callable

from offline_cache.store import Store

logger = logging.getLogger(__name__)

CREATING, PENDING, PAID, CANCELLED, EXPIRED, FAILED = "creating", "pending", "paid", "cancelled", "expired", "failed"
STATES = (CREATING, PENDING, PAID, CANCELLED, EXPIRED, FAILED)
OPEN_STATES = (CREATING, PENDING)

SCHEMA = """
CREATE TABLE IF NOT EXISTS payment_journal (
    idempotency_key TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    order_id TEXT UNIQUE,
    state TEXT NOT NULL,
    amount_fen INTEGER,
    details BLOB,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    receipt_printed_at REAL
);
CREATE INDEX IF NOT EXISTS payment_journal_case ON payment_journal (case_id, created_at);
"""


@dataclass(frozen=True)
class JournalEntry:
    idempotency_key: str
    case_id: str
    order_id: str | None
    state: str
    amount_fen: int | None
    details: dict
    created_at: float
    receipt_printed_at: float | None

    @property
    def unresolved(self) -> bool:
        """The kiosk does not know the end of this payment, or owes its receipt."""
        return self.state in OPEN_STATES or (self.state == PAID and self.receipt_printed_at is None)


class PaymentJournal:
    def __init__(self, store: Store, audit: Callable[[str, dict], None] | None = None):
        """audit(action, details): called inside each write transaction (kiosk.audit_trail.AuditTrail.journal_hook),
        so a payment step and its audit record are committed together or not at all."""
        self.store = store
        self.audit = audit
        with store.write() as conn:
            for statement in filter(None, (s.strip() for s in SCHEMA.split(";"))):
                conn.execute(statement)

    def _context(self, key: str) -> bytes:
        return b"payment:" + key.encode()

    def _seal(self, key: str, details: dict) -> bytes:
        return self.store.sealer.seal(json.dumps(details, ensure_ascii=False, sort_keys=True).encode(),
                                      self._context(key))

    # -- writes -----------------------------------------------------------------------------------------------
    def begin(self, case_id: str, details: dict | None = None) -> JournalEntry:
        """A new payment for case_id: its idempotency key is durable when this returns (before any order exists)."""
        if not case_id:
            raise ValueError("a payment needs a case id")
        open_entry = self.unresolved_for(case_id)
        if open_entry is not None:
            raise ValueError(f"case {case_id} has an unresolved payment ({open_entry.state}); reconcile it first")
        key = uuid.uuid4().hex
        now = self.store.clock()
        with self.store.write() as conn:
            conn.execute("INSERT INTO payment_journal (idempotency_key, case_id, state, details, created_at, "
                         "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (key, case_id, CREATING, self._seal(key, details or {}), now, now))
            self._audit("payment_started", case_id, None, CREATING, (details or {}).get("total_fen"))
        logger.info("payment journal: payment for case %s begun", case_id)
        return self.get(key)

    def record_order(self, key: str, order_id: str, state: str, amount_fen: int | None,
                     details: dict | None = None) -> JournalEntry:
        """The gateway's answer to the order creation (also on a replay after a crash)."""
        self._check_state(state)
        entry = self._require(key)
        merged = {**entry.details, **(details or {})}
        with self.store.write() as conn:
            conn.execute("UPDATE payment_journal SET order_id = ?, state = ?, amount_fen = ?, details = ?, "
                         "updated_at = ? WHERE idempotency_key = ?",
                         (order_id, state, amount_fen, self._seal(key, merged), self.store.clock(), key))
            self._audit("payment_order_created", entry.case_id, order_id, state, amount_fen)
        return self.get(key)

    def set_state(self, key: str, state: str, details: dict | None = None) -> JournalEntry:
        self._check_state(state)
        entry = self._require(key)
        merged = {**entry.details, **(details or {})}
        with self.store.write() as conn:
            conn.execute("UPDATE payment_journal SET state = ?, details = ?, updated_at = ? "
                         "WHERE idempotency_key = ?", (state, self._seal(key, merged), self.store.clock(), key))
            self._audit(f"payment_{state}", entry.case_id, entry.order_id, state, entry.amount_fen)
        return self.get(key)

    def mark_receipt_printed(self, key: str) -> JournalEntry:
        entry = self._require(key)
        if entry.state != PAID:
            raise ValueError(f"a receipt is printed only for a paid order, not a {entry.state} one")
        with self.store.write() as conn:
            cur = conn.execute("UPDATE payment_journal SET receipt_printed_at = ?, updated_at = ? "
                               "WHERE idempotency_key = ? AND receipt_printed_at IS NULL",
                               (self.store.clock(), self.store.clock(), key))
            if cur.rowcount:
                self._audit("receipt_printed", entry.case_id, entry.order_id, entry.state, entry.amount_fen)
        return self.get(key)

    def reconciled(self, entry: JournalEntry) -> None:
        """The payment flow found out how an interrupted payment ended: an audit record of what it found."""
        if self.audit is not None:
            with self.store.write():
                self._audit("payment_reconciled", entry.case_id, entry.order_id, entry.state, entry.amount_fen)

    def _audit(self, action: str, case_id: str, order_id: str | None, state: str, amount_fen) -> None:
        if self.audit is not None:
            self.audit(action, {"case_id": case_id, "order_id": order_id, "state": state, "amount_fen": amount_fen})

    # -- reads ------------------------------------------------------------------------------------------------
    def get(self, key: str) -> JournalEntry | None:
        rows = self.store.query("SELECT idempotency_key, case_id, order_id, state, amount_fen, details, created_at, "
                                "receipt_printed_at FROM payment_journal WHERE idempotency_key = ?", (key,))
        return self._entry(rows[0]) if rows else None

    def for_case(self, case_id: str) -> list[JournalEntry]:
        rows = self.store.query("SELECT idempotency_key, case_id, order_id, state, amount_fen, details, created_at, "
                                "receipt_printed_at FROM payment_journal WHERE case_id = ? ORDER BY created_at",
                                (case_id,))
        return [self._entry(row) for row in rows]

    def unresolved_for(self, case_id: str) -> JournalEntry | None:
        """The newest entry of case_id whose end the kiosk does not know yet (or whose receipt is owed)."""
        for entry in reversed(self.for_case(case_id)):
            if entry.unresolved:
                return entry
        return None

    def unresolved(self) -> list[JournalEntry]:
        rows = self.store.query("SELECT idempotency_key, case_id, order_id, state, amount_fen, details, created_at, "
                                "receipt_printed_at FROM payment_journal WHERE state IN (?, ?) OR (state = ? AND "
                                "receipt_printed_at IS NULL) ORDER BY created_at", (CREATING, PENDING, PAID))
        return [self._entry(row) for row in rows]

    # -- helpers ----------------------------------------------------------------------------------------------
    def _require(self, key: str) -> JournalEntry:
        entry = self.get(key)
        if entry is None:
            raise KeyError(f"no journal entry {key}")
        return entry

    @staticmethod
    def _check_state(state: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown payment state {state!r}")

    def _entry(self, row) -> JournalEntry:
        key, case_id, order_id, state, amount, sealed, created, printed = row
        details = json.loads(self.store.sealer.open(sealed, self._context(key))) if sealed else {}
        return JournalEntry(key, case_id, order_id, state, amount, details, created, printed)
