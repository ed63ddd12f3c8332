"""Versioned schema of the offline store: each step runs once, in order, in its own transaction (user_version)."""
from __future__ import annotations

import logging
import sqlite3

from offline_cache.errors import SchemaTooNew

logger = logging.getLogger(__name__)

# Append only: a released step is never edited, a change is a new step.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, """
        CREATE TABLE meta (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- Sealed payloads: AES-GCM bound to the idempotency key; delivered in seq order within each kind.
        -- seq is a plain rowid (no AUTOINCREMENT: one page less per durable enqueue): a new row always gets
        -- max(seq) + 1, so it sorts after every pending event, which is all the ordering needs.
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            occurred_at TEXT NOT NULL,
            payload BLOB NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            enqueued_at REAL NOT NULL,
            settled_at REAL
        );
        CREATE INDEX outbox_pending ON outbox (kind, seq) WHERE state = 'pending';
        -- Keyed by an HMAC of the ID number; the cases are sealed with a key that needs the ID number too.
        CREATE TABLE case_cache (
            subject TEXT PRIMARY KEY,
            sealed BLOB NOT NULL,
            fetched_at REAL NOT NULL
        );
        CREATE TABLE compartments (
            label TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('empty', 'loaded', 'out_of_order')),
            code_id TEXT,
            contents BLOB,
            updated_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX compartments_code ON compartments (code_id) WHERE code_id IS NOT NULL;
        CREATE TABLE code_revocations (
            code_id TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            revoked_at REAL NOT NULL,
            expires_at REAL
        );
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            details BLOB NOT NULL
        );
        CREATE INDEX audit_at ON audit_log (at);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            code TEXT NOT NULL,
            detail TEXT NOT NULL,
            raised_at REAL NOT NULL,
            cleared_at REAL
        );
    """),
    # The audit log becomes a hash chain (offline_cache.audit): each record keeps the hash it was chained to and its own.
    (2, """
        ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
        ALTER TABLE audit_log ADD COLUMN hash TEXT;
    """),
)

LATEST = MIGRATIONS[-1][0]


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to LATEST; returns the version found before. The connection must be in autocommit mode."""
    found = schema_version(conn)
    if found > LATEST:
        raise SchemaTooNew(f"the offline store has schema version {found}, newer than this software knows "
                           f"({LATEST}); install the matching kiosk version")
    for version, script in MIGRATIONS:
        if version <= found:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        logger.info("offline store schema migrated to version %d", version)
    return found


def _statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
