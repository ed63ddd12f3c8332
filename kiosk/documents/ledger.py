"""The blank-certificate ledger: which pre-printed blank is loaded, and what became of every serial.

Staff load a stack with its first and last serial; the kiosk counts. Every blank is in exactly one state:
remaining (in the tray), printing (sent to the printer, outcome not yet known), printed (with its case) or voided
(misprint, damaged, or a print interrupted by a crash). Invariant, always: loaded = printed + voided + remaining +
printing, and after open() no blank is left printing, so loaded = printed + voided + remaining.

Durability: SQLite in WAL mode with synchronous=FULL, one transaction per print step, and the step is journaled
BEFORE the print: a crash or power cut between "take the next blank" and "printed" leaves the blank marked printing,
and the next open() voids it as interrupted (the certificate is reprinted on a fresh blank), so a blank is never lost
and never counted twice.
"""
from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SERIAL = re.compile(r"^([A-Z]{0,4})(\d{6,12})$")
MAX_STACK = 2000

SCHEMA = """
CREATE TABLE IF NOT EXISTS stacks (
    stack_id INTEGER PRIMARY KEY,
    first_serial TEXT NOT NULL,
    last_serial TEXT NOT NULL,
    count INTEGER NOT NULL,
    staff_id TEXT NOT NULL,
    loaded_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS blanks (
    serial TEXT PRIMARY KEY,
    stack_id INTEGER NOT NULL REFERENCES stacks(stack_id),
    position INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('remaining', 'printing', 'printed', 'voided')),
    case_id TEXT,
    reason TEXT,
    reported INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS blanks_by_state ON blanks(state, stack_id, position);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    serial TEXT,
    step TEXT NOT NULL,
    case_id TEXT,
    detail TEXT
);
"""


class LedgerError(Exception):
    """A request the ledger refuses; nothing was changed."""


class NoBlankLoaded(LedgerError):
    pass


@dataclass(frozen=True)
class LedgerCounts:
    loaded: int
    printed: int
    voided: int
    remaining: int
    printing: int

    @property
    def balanced(self) -> bool:
        return self.loaded == self.printed + self.voided + self.remaining + self.printing


@dataclass(frozen=True)
class BlankEntry:
    serial: str
    state: str
    case_id: str | None
    reason: str | None


def parse_serial(serial: str) -> tuple[str, int, int]:
    """'A00012345' -> ('A', 12345, 8): prefix, number, digit count."""
    match = SERIAL.match(serial or "")
    if not match:
        raise LedgerError(f"bad serial {serial!r}: up to 4 capital letters then 6 to 12 digits")
    return match.group(1), int(match.group(2)), len(match.group(2))


def serial_range(first: str, last: str) -> list[str]:
    p1, n1, w1 = parse_serial(first)
    p2, n2, w2 = parse_serial(last)
    if p1 != p2 or w1 != w2:
        raise LedgerError("first and last serial must have the same prefix and length")
    if n2 < n1:
        raise LedgerError("last serial is before the first")
    if n2 - n1 + 1 > MAX_STACK:
        raise LedgerError(f"a stack holds at most {MAX_STACK} blanks")
    return [f"{p1}{n:0{w1}d}" for n in range(n1, n2 + 1)]


class BlankLedger:
    """One SQLite file; use one instance per process. Every method is one transaction."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Flows run on worker threads: one connection shared under a lock (each method is one transaction).
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=10, check_same_thread=False)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self.interrupted = self._recover()

    @classmethod
    def from_config(cls, certificate_config, storage_config) -> "BlankLedger":
        path = certificate_config.ledger_file or Path(storage_config.data_dir) / "certificate-ledger.sqlite3"
        return cls(path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- transactions -----------------------------------------------------------------------------------------
    def _tx(self):
        return _Transaction(self._db, self._lock)

    def _journal(self, step: str, serial: str | None, case_id: str | None = None, detail: str | None = None):
        self._db.execute("INSERT INTO journal(at, serial, step, case_id, detail) VALUES (?, ?, ?, ?, ?)",
                         (time.time(), serial, step, case_id, detail))

    def _recover(self) -> tuple[str, ...]:
        """A blank left printing by a crash went into the printer with an unknown result: void it."""
        with self._tx():
            rows = self._db.execute("SELECT serial, case_id FROM blanks WHERE state = 'printing'").fetchall()
            for serial, case_id in rows:
                self._db.execute("UPDATE blanks SET state = 'voided', reason = 'interrupted', updated_at = ? "
                                 "WHERE serial = ?", (time.time(), serial))
                self._journal("void", serial, case_id, "interrupted")
        if rows:
            logger.warning("certificate ledger: %d blank(s) voided after an interrupted print", len(rows))
        return tuple(r[0] for r in rows)

    # -- staff ------------------------------------------------------------------------------------------------
    def load_stack(self, first_serial: str, last_serial: str, staff_id: str) -> int:
        """Records a stack of blanks put in the tray; refuses any serial that was ever loaded before."""
        serials = serial_range(first_serial, last_serial)
        if not staff_id:
            raise LedgerError("a staff id is required to load blanks")
        with self._tx():
            placeholders = ",".join("?" * len(serials))
            clash = self._db.execute(f"SELECT serial FROM blanks WHERE serial IN ({placeholders}) LIMIT 1",
                                     serials).fetchone()
            if clash:
                raise LedgerError(f"serial {clash[0]} is already in the ledger")
            now = time.time()
            stack_id = self._db.execute(
                "INSERT INTO stacks(first_serial, last_serial, count, staff_id, loaded_at) VALUES (?, ?, ?, ?, ?)",
                (first_serial, last_serial, len(serials), staff_id, now)).lastrowid
            self._db.executemany(
                "INSERT INTO blanks(serial, stack_id, position, state, updated_at) VALUES (?, ?, ?, 'remaining', ?)",
                [(s, stack_id, i, now) for i, s in enumerate(serials)])
            self._journal("load", first_serial, None, f"{first_serial}..{last_serial} ({len(serials)}) by {staff_id}")
        logger.info("certificate ledger: stack %s..%s loaded (%d blanks)", first_serial, last_serial, len(serials))
        return len(serials)

    def void_remaining(self, serial: str, reason: str) -> None:
        """A blank found damaged in the tray (or removed by staff): voided without printing."""
        with self._tx():
            self._transition(serial, "remaining", "voided", reason=reason or "damaged")
            self._journal("void", serial, None, reason or "damaged")

    # -- printing ---------------------------------------------------------------------------------------------
    def next_serial(self) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT serial FROM blanks WHERE state = 'remaining' "
                                   "ORDER BY stack_id, position LIMIT 1").fetchone()
        return row[0] if row else None

    def begin_print(self, case_id: str) -> str:
        """Step 1, before anything is sent to the printer: the next blank is taken for this case."""
        if not case_id:
            raise LedgerError("a case id is required")
        with self._tx():
            busy = self._db.execute("SELECT serial FROM blanks WHERE state = 'printing'").fetchone()
            if busy:
                raise LedgerError(f"blank {busy[0]} is still printing")
            serial = self.next_serial()
            if serial is None:
                raise NoBlankLoaded("no blank certificate is loaded")
            self._transition(serial, "remaining", "printing", case_id=case_id)
            self._journal("begin", serial, case_id)
        return serial

    def finish_print(self, serial: str) -> None:
        """Step 2: the printer reported the certificate printed on this blank."""
        with self._tx():
            self._transition(serial, "printing", "printed")
            self._journal("printed", serial, self._case(serial))

    def void_print(self, serial: str, reason: str = "misprint") -> None:
        """Step 2, the other way: the print failed or came out wrong; the blank is spoilt."""
        with self._tx():
            self._transition(serial, "printing", "voided", reason=reason)
            self._journal("void", serial, self._case(serial), reason)

    def _case(self, serial: str) -> str | None:
        row = self._db.execute("SELECT case_id FROM blanks WHERE serial = ?", (serial,)).fetchone()
        return row[0] if row else None

    def _transition(self, serial: str, old: str, new: str, *, case_id: str | None = None,
                    reason: str | None = None) -> None:
        row = self._db.execute("SELECT state FROM blanks WHERE serial = ?", (serial,)).fetchone()
        if row is None:
            raise LedgerError(f"serial {serial} is not in the ledger")
        if row[0] != old:
            raise LedgerError(f"serial {serial} is {row[0]}, not {old}")
        self._db.execute("UPDATE blanks SET state = ?, case_id = COALESCE(?, case_id), reason = COALESCE(?, reason), "
                         "updated_at = ? WHERE serial = ?", (new, case_id, reason, time.time(), serial))

    # -- reading ----------------------------------------------------------------------------------------------
    def counts(self) -> LedgerCounts:
        with self._lock:
            return self._counts()

    def _counts(self) -> LedgerCounts:
        by_state = dict(self._db.execute("SELECT state, COUNT(*) FROM blanks GROUP BY state").fetchall())
        loaded = self._db.execute("SELECT COALESCE(SUM(count), 0) FROM stacks").fetchone()[0]
        return LedgerCounts(loaded=loaded, printed=by_state.get("printed", 0), voided=by_state.get("voided", 0),
                            remaining=by_state.get("remaining", 0), printing=by_state.get("printing", 0))

    def entry(self, serial: str) -> BlankEntry | None:
        with self._lock:
            row = self._db.execute("SELECT serial, state, case_id, reason FROM blanks WHERE serial = ?",
                                   (serial,)).fetchone()
        return BlankEntry(*row) if row else None

    def entries(self) -> list[BlankEntry]:
        """Every serial ever loaded, in stack order (for reconciliation with the gateway)."""
        with self._lock:
            rows = self._db.execute("SELECT serial, state, case_id, reason FROM blanks "
                                    "ORDER BY stack_id, position").fetchall()
        return [BlankEntry(*r) for r in rows]

    def unreported(self) -> list[BlankEntry]:
        """Printed and voided serials the gateway has not yet been told about (the outbox sends them)."""
        with self._lock:
            rows = self._db.execute("SELECT serial, state, case_id, reason FROM blanks WHERE state IN "
                                    "('printed', 'voided') AND reported = 0 ORDER BY updated_at").fetchall()
        return [BlankEntry(*r) for r in rows]

    def mark_reported(self, serial: str) -> None:
        with self._tx():
            self._db.execute("UPDATE blanks SET reported = 1 WHERE serial = ?", (serial,))

    def journal(self) -> list[tuple]:
        with self._lock:
            return self._db.execute("SELECT seq, serial, step, case_id, detail FROM journal ORDER BY seq").fetchall()


def report_event(entry: BlankEntry) -> tuple[str, dict]:
    """The kiosk event (kind, payload) that tells the gateway what became of a serial."""
    if entry.state == "printed":
        return "certificate_printed", {"serial": entry.serial, "case_id": entry.case_id}
    if entry.state == "voided":
        return "certificate_voided", {"serial": entry.serial, "case_id": entry.case_id, "reason": entry.reason}
    raise ValueError(f"serial {entry.serial} is {entry.state}: nothing to report yet")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception: a refused request changes nothing."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self.db = db
        self.lock = lock

    def __enter__(self):
        self.lock.acquire()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.db

    def __exit__(self, exc_type, exc, tb):
        try:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self.lock.release()
        return False
