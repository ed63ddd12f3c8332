"""The local audit log: hash-chained records, kept (sealed) on the kiosk and queued in the same transaction for the gateway.

Each record carries a sequence number and the SHA-256 of the previous record's canonical form; the chain's head (and,
after a retention purge, its anchor) is sealed with the storage key, so removing, changing or reordering a record -
even re-computing every hash after a change - is found by `verify_chain` (`kiosk audit verify`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

from offline_cache.outbox import Outbox
from offline_cache.sealing import SealBroken, Sealer
from offline_cache.store import Store

logger = logging.getLogger(__name__)

AUDIT_EVENT_KIND = "audit"
GENESIS_HASH = "0" * 64
_HEAD = "audit_head"      # meta row: sealed {"seq", "hash"} of the newest record
_ANCHOR = "audit_anchor"  # meta row: sealed {"seq", "hash"} of the newest record a retention purge removed
_STARTED = "audit_started"  # meta row: sealed {"seq", "hash"} of the first record ever written (never removed)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: float
    action: str
    actor: str
    details: dict


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain; `seq` is the record where it shows (None: the chain as a whole)."""

    kind: str  # "changed" | "removed" | "reordered" | "truncated" | "head_invalid" | "unreadable"
    seq: int | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    records: int
    first_seq: int | None
    last_seq: int | None
    purged_through: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def canonical(seq: int, at: float, action: str, actor: str, sealed_details: bytes, prev_hash: str) -> bytes:
    """The bytes a record's hash covers: every column, the details as sealed, and the previous record's hash."""
    return json.dumps({"v": 1, "seq": seq, "at": repr(float(at)), "action": action, "actor": actor,
                       "details": sealed_details.hex(), "prev": prev_hash},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(seq: int, at: float, action: str, actor: str, sealed_details: bytes, prev_hash: str) -> str:
    return hashlib.sha256(canonical(seq, at, action, actor, sealed_details, prev_hash)).hexdigest()


def _seal_link(sealer: Sealer, name: str, seq: int, hash_: str) -> str:
    body = json.dumps({"seq": seq, "hash": hash_}, sort_keys=True).encode()
    return sealer.seal(body, f"audit-chain:{name}".encode()).hex()


def _open_link(sealer: Sealer, name: str, value: str) -> tuple[int, str]:
    data = json.loads(sealer.open(bytes.fromhex(value), f"audit-chain:{name}".encode()))
    return int(data["seq"]), str(data["hash"])


def _read_link(conn: sqlite3.Connection, sealer: Sealer, name: str) -> tuple[int, str] | None:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return None if row is None else _open_link(sealer, name, row[0])


class AuditLog:
    def __init__(self, store: Store, outbox: Outbox):
        self.store = store
        self.outbox = outbox

    def record(self, action: str, actor: str, details: dict | None = None) -> AuditEntry:
        """Append a record (actor is a staff or kiosk id, never a name) and queue it for the gateway, atomically."""
        details = dict(details or {})
        at = self.store.clock()
        body = json.dumps(details, ensure_ascii=False, sort_keys=True).encode()
        sealer = self.store.sealer
        with self.store.write() as conn:
            head = _read_link(conn, sealer, _HEAD)
            if head is None:
                last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
                head = (int(last[0]), last[1]) if last else (0, GENESIS_HASH)
            prev_hash = head[1]
            cur = conn.execute("INSERT INTO audit_log (at, action, actor, details, prev_hash) VALUES (?, ?, ?, x'', ?)",
                               (at, action, actor, prev_hash))
            seq = cur.lastrowid
            sealed = sealer.seal(body, f"audit:{seq}".encode())
            hash_ = record_hash(seq, at, action, actor, sealed, prev_hash)
            conn.execute("UPDATE audit_log SET details = ?, hash = ? WHERE seq = ?", (sealed, hash_, seq))
            conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                         (_HEAD, _seal_link(sealer, _HEAD, seq, hash_)))
            conn.execute("INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)",
                         (_STARTED, _seal_link(sealer, _STARTED, seq, hash_)))
            self.outbox.enqueue(AUDIT_EVENT_KIND, {"action": action, "actor": actor, "details": details},
                                occurred_at=datetime.fromtimestamp(at, timezone.utc))
        return AuditEntry(seq, at, action, actor, details)

    def entries(self, since: float = 0.0) -> list[AuditEntry]:
        out = []
        for seq, at, action, actor, sealed in self.store.query(
                "SELECT seq, at, action, actor, details FROM audit_log WHERE at >= ? ORDER BY seq", (since,)):
            details = json.loads(self.store.sealer.open(sealed, f"audit:{seq}".encode()))
            out.append(AuditEntry(seq, at, action, actor, details))
        return out

    def verify(self) -> ChainReport:
        return verify_chain(self.store)

    def head(self) -> dict | None:
        """The newest record's {"seq", "hash"} as the sealed head says (None: nothing written yet), for the
        heartbeat: the gateway refuses a head that goes backwards, which no local check can see."""
        with self.store._lock:
            link = _read_link(self.store.conn, self.store.sealer, _HEAD)
        return None if link is None else {"seq": link[0], "hash": link[1]}


def purge_before(conn: sqlite3.Connection, sealer: Sealer, cutoff: float) -> int:
    """Retention: delete the records older than `cutoff` from the front of the chain, sealing the new anchor (the
    last removed record) so the oldest record kept still verifies. Runs inside the caller's write transaction."""
    last = conn.execute("SELECT seq, hash FROM audit_log WHERE at < ? ORDER BY seq DESC LIMIT 1", (cutoff,)).fetchone()
    if last is None:
        return 0
    # The chain is purged only as a prefix: everything up to the newest old record goes, so no gap is left behind.
    removed = conn.execute("DELETE FROM audit_log WHERE seq <= ?", (last[0],)).rowcount
    conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                 (_ANCHOR, _seal_link(sealer, _ANCHOR, int(last[0]), last[1])))
    return removed


def verify_chain(store: Store) -> ChainReport:
    """Walk the chain in insertion order and say where it breaks: a changed record, a removed one (a gap, or the
    newest gone), a reordered pair, or a head/anchor not sealed with this kiosk's key."""
    sealer = store.sealer
    problems: list[ChainProblem] = []
    with store._lock:
        conn = store.conn
        try:
            rows = conn.execute("SELECT seq, seq, at, action, actor, details, prev_hash, hash FROM audit_log "
                                "ORDER BY seq").fetchall()
        except sqlite3.DatabaseError as exc:  # the table dropped, the file damaged: one clear problem
            problem = ChainProblem("unreadable", None, f"the audit log cannot be read ({exc})")
            return ChainReport(0, None, None, 0, (problem,))
        ever_written = _ever_written(conn, sealer)
        try:
            head = _read_link(conn, sealer, _HEAD)
        except (SealBroken, ValueError, KeyError):
            head = None
            problems.append(ChainProblem("head_invalid", None, "the chain head is not sealed with this kiosk's key "
                                                               "(replaced or forged)"))
        try:
            anchor = _read_link(conn, sealer, _ANCHOR) or (0, GENESIS_HASH)
        except (SealBroken, ValueError, KeyError):
            anchor = (0, GENESIS_HASH)
            problems.append(ChainProblem("head_invalid", None, "the purge anchor is not sealed with this kiosk's key"))
    all_seqs = [r[1] for r in rows]
    expected_seq, prev_hash = anchor[0] + 1, anchor[1]
    for _rowid, seq, at, action, actor, sealed, stored_prev, stored_hash in rows:
        sealed = sealed or b""
        gap = seq > expected_seq
        if gap:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}-{seq - 1}"
            problems.append(ChainProblem("removed", expected_seq,
                                         f"record(s) {missing} missing before record {seq}"))
        if record_hash(seq, at, action, actor, sealed, stored_prev or "") != stored_hash:
            moved_from = next((s for s in _candidates(seq, all_seqs)
                               if record_hash(s, at, action, actor, sealed, stored_prev or "") == stored_hash), None)
            if moved_from is not None:
                problems.append(ChainProblem("reordered", seq, f"record {seq} was written as record {moved_from}: "
                                                               "the records were reordered"))
            else:
                problems.append(ChainProblem("changed", seq, f"record {seq} was changed (its content no longer "
                                                             "matches its hash)"))
        elif not _opens(sealer, sealed, seq):
            problems.append(ChainProblem("changed", seq, f"record {seq}: its details fail their seal"))
        elif not gap and stored_prev != prev_hash and not (problems and problems[-1].seq == seq - 1):
            # This record is intact but its predecessor's hash is not the one it was chained to: the predecessor
            # was changed and its hash re-computed to hide it.
            problems.append(ChainProblem("changed", seq - 1, f"record {seq - 1} was changed (record {seq} was "
                                                             "chained to a different version of it)"))
        prev_hash = stored_hash
        expected_seq = seq + 1
    seen_max = all_seqs[-1] if all_seqs else anchor[0]
    if head is not None:
        if head[0] > seen_max:
            problems.append(ChainProblem("truncated", seen_max + 1, f"record(s) {seen_max + 1}-{head[0]} at the end "
                                                                    "are missing"))
        elif head[0] < seen_max:
            problems.append(ChainProblem("head_invalid", seen_max, f"records after {head[0]} were added outside "
                                                                   "the audit log"))
        elif head[1] != prev_hash and rows and not any(p.seq == seen_max for p in problems):
            problems.append(ChainProblem("changed", head[0], "the chain's records were rewritten (the sealed head "
                                                             "does not match)"))
    elif rows and not any(p.kind == "head_invalid" for p in problems):
        problems.append(ChainProblem("head_invalid", None, "the chain head is missing"))
    elif not rows and ever_written:
        problems.append(ChainProblem("truncated", None, "the audit log is empty and has no head, but records were "
                                                        "written to it (it was wiped)"))
    return ChainReport(len(rows), all_seqs[0] if all_seqs else None, all_seqs[-1] if all_seqs else None, anchor[0],
                       tuple(problems))


def _ever_written(conn: sqlite3.Connection, sealer: Sealer) -> bool:
    """Whether this store's audit log ever held a record: the first record's sealed marker, or SQLite's own
    counter of the log's AUTOINCREMENT sequence numbers (which deleting the records does not reset)."""
    if conn.execute("SELECT 1 FROM meta WHERE name IN (?, ?)", (_STARTED, _ANCHOR)).fetchone():
        return True
    try:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row and row[0])


def _candidates(seq: int, seqs: list[int]) -> list[int]:
    """Where a record that does not hash at its place may have been written: another place in the log near it, or
    just past its end (bounded: a reordering moves a record among its neighbours)."""
    extra = [seqs[-1] + 1] if seqs else []
    return [s for s in seqs + extra if s != seq and abs(s - seq) <= 1000]


def _opens(sealer: Sealer, sealed: bytes, seq: int) -> bool:
    try:
        sealer.open(sealed, f"audit:{seq}".encode())
        return True
    except SealBroken:
        return False
