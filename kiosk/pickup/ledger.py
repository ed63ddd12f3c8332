"""The locker's durable pickup state in SQLite: compartment claims, deposits, used and revoked codes, and the journal.

Every step with an effect on the world (a door about to open) is written here first, in a committed transaction, so
after a crash or power cut the journal says what may have happened and the sensors settle it. A deposit's QR (which
carries a salted hash of the holder's ID number) is stored sealed, never in clear, and so are the reference
encodings that come with it (kiosk/pickup/references.py), until the pickup or the code's revocation.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS compartments (
    label TEXT PRIMARY KEY,
    size TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('free', 'reserved', 'occupied', 'out_of_order')),
    claim TEXT
);
CREATE TABLE IF NOT EXISTS deposits (
    code_id TEXT PRIMARY KEY,
    compartment TEXT NOT NULL,
    digits_sha256 TEXT NOT NULL,
    expires_at REAL NOT NULL,
    qr_sealed BLOB NOT NULL,
    deposited_at REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'collected', 'withdrawn')),
    case_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_deposit_per_compartment ON deposits (compartment) WHERE state = 'active';
-- The reference face encodings of the people who may collect a deposit (holder, registered agents), as the gateway
-- sent them sealed for this locker, sealed again at rest; deleted when the code is used or revoked.
CREATE TABLE IF NOT EXISTS deposit_references (
    code_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (code_id, subject)
);
CREATE TABLE IF NOT EXISTS used_codes (code_id TEXT PRIMARY KEY, used_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS revoked_codes (code_id TEXT PRIMARY KEY, reason TEXT NOT NULL, revoked_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('pickup', 'deposit')),
    compartment TEXT NOT NULL,
    code_id TEXT,
    case_id TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    step TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""

OPEN_STEPS = ("claimed", "opening", "opened", "closed", "held")  # journal entries not yet settled
FINAL_STEPS = ("recorded", "cancelled")


class Sealer(Protocol):
    def seal(self, plaintext: bytes, context: bytes) -> bytes: ...

    def open(self, sealed: bytes, context: bytes) -> bytes: ...


@dataclass(frozen=True)
class JournalEntry:
    id: int
    kind: str
    compartment: str
    code_id: str | None
    case_id: str | None
    idempotency_key: str
    step: str
    created_at: float


@dataclass(frozen=True)
class Deposit:
    code_id: str
    compartment: str
    digits_sha256: str
    expires_at: float
    qr: str
    state: str
    case_id: str | None = None


class PickupLedger:
    def __init__(self, path: str | Path, sealer: Sealer, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.sealer = sealer
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a journal that loses its last write on power cut is no journal
        self._conn.executescript(SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(deposits)")}
        if "case_id" not in columns:  # a ledger written before deposits kept their case
            self._conn.execute("ALTER TABLE deposits ADD COLUMN case_id TEXT")
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self):
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, args: tuple = ()) -> list:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    # -- compartments -----------------------------------------------------------------------------------------
    def ensure_compartments(self, compartments: Iterable[tuple[str, str]]) -> None:
        """(label, size) for every compartment of the bank; new ones start free."""
        with self._tx() as conn:
            conn.executemany("INSERT OR IGNORE INTO compartments (label, size, state) VALUES (?, ?, 'free')",
                             list(compartments))

    def compartment_state(self, label: str) -> str | None:
        rows = self._query("SELECT state FROM compartments WHERE label = ?", (label,))
        return rows[0][0] if rows else None

    def claim_free(self, size: str, claim: str, exclude: Iterable[str] = ()) -> str | None:
        """Atomically reserve one free compartment of `size` for `claim`; None when there is none."""
        excluded = set(exclude)
        with self._tx() as conn:
            rows = conn.execute("SELECT label FROM compartments WHERE state = 'free' AND size = ? ORDER BY label",
                                (size,)).fetchall()
            for (label,) in rows:
                if label in excluded:
                    continue
                done = conn.execute("UPDATE compartments SET state = 'reserved', claim = ? "
                                    "WHERE label = ? AND state = 'free'", (claim, label))
                if done.rowcount == 1:
                    return label
        return None

    def set_compartment(self, label: str, state: str, claim: str | None = None) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE compartments SET state = ?, claim = ? WHERE label = ?", (state, claim, label))

    # -- deposits ---------------------------------------------------------------------------------------------
    def add_deposit(self, code_id: str, compartment: str, digits_sha256: str, expires_at: float, qr: str,
                    case_id: str | None = None) -> None:
        sealed = self.sealer.seal(qr.encode(), b"pickup-qr:" + code_id.encode())
        with self._tx() as conn:
            conn.execute("INSERT INTO deposits (code_id, compartment, digits_sha256, expires_at, qr_sealed, "
                         "deposited_at, state, case_id) VALUES (?, ?, ?, ?, ?, ?, 'active', ?)",
                         (code_id, compartment, digits_sha256.lower(), expires_at, sealed, self.clock(), case_id))
            conn.execute("UPDATE compartments SET state = 'occupied', claim = ? WHERE label = ?",
                         (code_id, compartment))

    def active_deposits(self) -> list[Deposit]:
        rows = self._query("SELECT code_id, compartment, digits_sha256, expires_at, qr_sealed, state, case_id "
                           "FROM deposits WHERE state = 'active' ORDER BY deposited_at")
        return [Deposit(cid, cp, dg, exp, self.sealer.open(qr, b"pickup-qr:" + cid.encode()).decode(), state, case)
                for cid, cp, dg, exp, qr, state, case in rows]

    def deposit(self, code_id: str) -> Deposit | None:
        """The active deposit under this code (one indexed read: every scanned code is checked against it)."""
        rows = self._query("SELECT code_id, compartment, digits_sha256, expires_at, qr_sealed, state, case_id "
                           "FROM deposits WHERE code_id = ? AND state = 'active'", (code_id,))
        return next((Deposit(cid, cp, dg, exp, self.sealer.open(qr, b"pickup-qr:" + cid.encode()).decode(), state,
                             case) for cid, cp, dg, exp, qr, state, case in rows), None)

    # -- used / revoked codes ---------------------------------------------------------------------------------
    def is_used(self, code_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM used_codes WHERE code_id = ?", (code_id,)))

    def is_revoked(self, code_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM revoked_codes WHERE code_id = ?", (code_id,)))

    def revoke(self, code_id: str, reason: str) -> None:
        with self._tx() as conn:
            conn.execute("INSERT OR IGNORE INTO revoked_codes (code_id, reason, revoked_at) VALUES (?, ?, ?)",
                         (code_id, reason, self.clock()))
            conn.execute("DELETE FROM deposit_references WHERE code_id = ?", (code_id,))

    def withdraw(self, code_id: str, reason: str) -> None:
        """Staff took the deposit back (a recall): its code is revoked, its references go, its compartment is free."""
        with self._tx() as conn:
            row = conn.execute("SELECT compartment FROM deposits WHERE code_id = ? AND state = 'active'",
                               (code_id,)).fetchone()
            conn.execute("INSERT OR IGNORE INTO revoked_codes (code_id, reason, revoked_at) VALUES (?, ?, ?)",
                         (code_id, reason, self.clock()))
            conn.execute("DELETE FROM deposit_references WHERE code_id = ?", (code_id,))
            conn.execute("UPDATE deposits SET state = 'withdrawn' WHERE code_id = ?", (code_id,))
            if row is not None:
                conn.execute("UPDATE compartments SET state = 'free', claim = NULL WHERE label = ?", (row[0],))

    # -- reference encodings of a deposit's holder and agents ---------------------------------------------------
    def add_references(self, code_id: str, references: Iterable[tuple[str, bytes]]) -> None:
        """(subject, gateway-sealed bytes) pairs for this code; sealed again with the locker's storage key."""
        with self._tx() as conn:
            for subject, sealed in references:
                conn.execute("INSERT OR REPLACE INTO deposit_references (code_id, subject, sealed) VALUES (?, ?, ?)",
                             (code_id, subject, self.sealer.seal(sealed, b"pickup-ref:" + code_id.encode())))

    def references(self, subject: str) -> list[tuple[str, bytes]]:
        """(code_id, gateway-sealed bytes) of the active deposits this person may collect."""
        rows = self._query("SELECT r.code_id, r.sealed FROM deposit_references r JOIN deposits d "
                           "ON d.code_id = r.code_id WHERE r.subject = ? AND d.state = 'active'", (subject,))
        return [(code_id, self.sealer.open(sealed, b"pickup-ref:" + code_id.encode())) for code_id, sealed in rows]

    def reference_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM deposit_references")[0][0])

    def is_held(self, code_id: str) -> bool:
        """A code whose last pickup could not be settled from the sensors: staff must look first."""
        return bool(self._query("SELECT 1 FROM journal WHERE code_id = ? AND kind = 'pickup' AND step = 'held'",
                                (code_id,)))

    # -- journal ----------------------------------------------------------------------------------------------
    def begin(self, kind: str, compartment: str, step: str, *, code_id: str | None = None,
              case_id: str | None = None, idempotency_key: str | None = None) -> JournalEntry:
        key = idempotency_key or str(uuid.uuid4())
        now = self.clock()
        with self._tx() as conn:
            cur = conn.execute("INSERT INTO journal (kind, compartment, code_id, case_id, idempotency_key, step, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               (kind, compartment, code_id, case_id, key, step, now, now))
            entry_id = cur.lastrowid
        return JournalEntry(entry_id, kind, compartment, code_id, case_id, key, step, now)

    def advance(self, entry: JournalEntry, step: str) -> JournalEntry:
        with self._tx() as conn:
            conn.execute("UPDATE journal SET step = ?, updated_at = ? WHERE id = ?", (step, self.clock(), entry.id))
        return self._with_step(entry, step)

    def record_pickup(self, entry: JournalEntry) -> JournalEntry:
        """In one transaction: the code is used, the deposit collected, the compartment free, the entry recorded."""
        now = self.clock()
        with self._tx() as conn:
            conn.execute("INSERT OR IGNORE INTO used_codes (code_id, used_at) VALUES (?, ?)", (entry.code_id, now))
            conn.execute("UPDATE deposits SET state = 'collected' WHERE code_id = ?", (entry.code_id,))
            conn.execute("DELETE FROM deposit_references WHERE code_id = ?", (entry.code_id,))
            conn.execute("UPDATE compartments SET state = 'free', claim = NULL WHERE label = ?", (entry.compartment,))
            conn.execute("UPDATE journal SET step = 'recorded', updated_at = ? WHERE id = ?", (now, entry.id))
        return self._with_step(entry, "recorded")

    @staticmethod
    def _with_step(entry: JournalEntry, step: str) -> JournalEntry:
        return JournalEntry(entry.id, entry.kind, entry.compartment, entry.code_id, entry.case_id,
                            entry.idempotency_key, step, entry.created_at)

    def unsettled(self) -> list[JournalEntry]:
        marks = ",".join("?" * len(OPEN_STEPS))
        rows = self._query(f"SELECT id, kind, compartment, code_id, case_id, idempotency_key, step, created_at "
                           f"FROM journal WHERE step IN ({marks}) ORDER BY id", OPEN_STEPS)
        return [JournalEntry(*row) for row in rows]

    def entries(self) -> list[JournalEntry]:
        rows = self._query("SELECT id, kind, compartment, code_id, case_id, idempotency_key, step, created_at "
                           "FROM journal ORDER BY id")
        return [JournalEntry(*row) for row in rows]
