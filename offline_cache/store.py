"""The SQLite file behind the offline store: WAL, full durability, checked at start-up, moved aside when corrupt."""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from offline_cache.errors import KeyMismatch, StoreUnavailable
from offline_cache.migrations import migrate
from offline_cache.sealing import Sealer

logger = logging.getLogger(__name__)

# SQLite primary result codes that mean the file itself is damaged, not that the disk or permissions are at fault.
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
CORRUPT_SUFFIX = ".corrupt-"


@dataclass(frozen=True)
class Alert:
    """Something staff must look at (the fleet agent reports open alerts); never holds personal data."""

    id: int
    code: str
    detail: str
    raised_at: float


class StoreCorrupt(Exception):
    """Internal: the file failed its check; the caller moves it aside."""


class Store:
    """One connection shared by the kiosk's threads under a lock; writes are short BEGIN IMMEDIATE transactions."""

    def __init__(self, conn: sqlite3.Connection, path: Path, sealer: Sealer, clock: Callable[[], float]):
        self.conn = conn
        self.path = path
        self.sealer = sealer
        self.clock = clock
        self._lock = threading.RLock()
        self._depth = 0

    # -- opening ----------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, key: bytes, *, clock: Callable[[], float] = time.time) -> "Store":
        """Open (or create) the store; a damaged file is moved aside and replaced, with an alert in the new one."""
        path = Path(path)
        sealer = Sealer(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"offline store folder {path.parent} cannot be created ({exc.strerror})") from None
        try:
            return cls._open_checked(path, sealer, clock)
        except StoreCorrupt as exc:
            reason = str(exc)
        moved = _move_aside(path, clock())
        logger.error("offline store %s is unreadable (%s); moved aside to %s and starting a fresh store",
                     path, reason, moved.name)
        store = cls._open_checked(path, sealer, clock)
        store.raise_alert("offline_store_reset", f"database was unreadable ({reason}); moved aside to {moved.name}")
        return store

    @classmethod
    def _open_checked(cls, path: Path, sealer: Sealer, clock: Callable[[], float]) -> "Store":
        existed = path.exists() and path.stat().st_size > 0
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"offline store {path} cannot be opened ({exc})") from None
        try:
            _configure(conn)
            if existed:
                result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
                if result != "ok":
                    raise StoreCorrupt(f"quick_check: {result[:80]}")
            migrate(conn)
            _check_key(conn, sealer, clock)
            # A write at start-up: a full disk shows here, before any action relies on the store.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('opened_at', ?)", (repr(clock()),))
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            conn.close()
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if existed and code in _CORRUPT_CODES:
                raise StoreCorrupt(getattr(exc, "sqlite_errorname", "SQLITE_CORRUPT")) from None
            raise StoreUnavailable(f"offline store {path} cannot be used ({exc})") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, sealer, clock)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    # -- access -----------------------------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested use on the same thread joins the outer one, so callers can compose."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._run("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self.conn
            except BaseException as exc:
                self._depth -= 1
                if outer:
                    self._rollback()
                if isinstance(exc, sqlite3.Error):
                    raise _unavailable(exc) from exc
                raise
            self._depth -= 1
            if outer:
                try:
                    self._run("COMMIT")
                except StoreUnavailable:
                    self._rollback()
                    raise

    def _run(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except sqlite3.Error as exc:
            raise _unavailable(exc) from exc

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                logger.exception("offline store rollback failed")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def checkpoint(self) -> None:
        """Copy the WAL into the main file and truncate it."""
        with self._lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- alerts -----------------------------------------------------------------------------------------------
    def raise_alert(self, code: str, detail: str) -> Alert:
        now = self.clock()
        with self.write() as conn:
            cur = conn.execute("INSERT INTO alerts (code, detail, raised_at) VALUES (?, ?, ?)", (code, detail, now))
        return Alert(cur.lastrowid, code, detail, now)

    def alerts(self) -> list[Alert]:
        """Open alerts, oldest first."""
        return [Alert(*row) for row in self.query(
            "SELECT id, code, detail, raised_at FROM alerts WHERE cleared_at IS NULL ORDER BY id")]

    def clear_alert(self, alert_id: int) -> None:
        with self.write() as conn:
            conn.execute("UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL",
                         (self.clock(), alert_id))


def _unavailable(exc: sqlite3.Error) -> StoreUnavailable:
    """A write that failed (disk full, I/O error): nothing of it was kept; the action must not be reported done."""
    logger.error("offline store write failed: %s", exc)
    return StoreUnavailable(f"offline store write failed ({exc})")


def _configure(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"journal_mode WAL refused (got {mode})")
    # FULL: every commit is fsynced to the WAL, so an acknowledged event survives a power cut, not just a crash.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows (purged personal data, even sealed) are overwritten, not left in free pages.
    conn.execute("PRAGMA secure_delete = ON")


def _check_key(conn: sqlite3.Connection, sealer: Sealer, clock: Callable[[], float]) -> None:
    row = conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
    if row is None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta (name, value) VALUES ('key_check', ?), ('created_at', ?)",
                     (sealer.key_check, repr(clock())))
        conn.execute("COMMIT")
    elif row[0] != sealer.key_check:
        raise KeyMismatch("the storage key file does not open this offline store (replaced key, or another "
                          "kiosk's store); restore the matching key file")


def _move_aside(path: Path, now: float) -> Path:
    stamp = datetime.fromtimestamp(now, timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{stamp}-{n}")
        n += 1
    try:
        path.rename(target)
        for extra in ("-wal", "-shm"):
            side = path.with_name(path.name + extra)
            if side.exists():
                side.rename(target.with_name(target.name + extra))
    except OSError as exc:
        raise StoreUnavailable(f"offline store {path} is unreadable and cannot be moved aside ({exc.strerror})"
                               ) from None
    return target
