"""The gateway's hash-chained audit log: every AuditEntry carries a sequence number, the SHA-256 of the previous entry's
canonical form and its own; `verify_chain` (`kiosk-gateway audit-verify`) names a removed, changed or reordered entry.

Appends are serialised by the single `audit_chain_head` row, updated first in the writer's transaction: on PostgreSQL
the row lock makes concurrent writers (any number of processes) take their turn until commit, on SQLite the write lock
does. Entries added through the ORM (`db.add(AuditEntry(...))`) are chained at flush time by a Session listener.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from gateway.models import AuditChainHead, AuditEntry, utcnow

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
HEAD_ID = 1


def _iso(at: dt.datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime in an audit entry")
    return at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def canonical(seq: int, at: dt.datetime, actor: str, action: str, subject: str | None, detail: dict | None,
              prev_hash: str) -> bytes:
    """The bytes an entry's hash covers: every column and the previous entry's hash."""
    return json.dumps({"v": 1, "seq": seq, "at": _iso(at), "actor": actor, "action": action, "subject": subject,
                       "detail": detail, "prev": prev_hash},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(seq: int, at: dt.datetime, actor: str, action: str, subject: str | None, detail: dict | None,
               prev_hash: str) -> str:
    return hashlib.sha256(canonical(seq, at, actor, action, subject, detail, prev_hash)).hexdigest()


def _advance(db) -> tuple[int, str]:
    """Take the next sequence number, holding the head row until the transaction ends; returns (seq, prev hash)."""
    # UPDATE first: it takes the row lock (PostgreSQL) or the write lock (SQLite) before anything is read, so two
    # writers can never both read the same head.
    row = db.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                     .values(seq=AuditChainHead.seq + 1)
                     .returning(AuditChainHead.seq, AuditChainHead.hash)).one_or_none()
    if row is None:
        raise RuntimeError("the audit chain head row is missing: run the gateway's migrations")
    return int(row[0]), row[1]


def _set_head(db, hash_: str) -> None:
    db.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(hash=hash_))


def append(db, actor: str, action: str, subject: str | None = None, detail: dict | None = None,
           at: dt.datetime | None = None) -> int:
    """Append an entry in the caller's transaction (a Session or a Connection); returns its sequence number."""
    at = at or utcnow()
    seq, prev_hash = _advance(db)
    hash_ = entry_hash(seq, at, actor, action, subject, detail, prev_hash)
    db.execute(insert(AuditEntry).values(at=at, actor=actor, action=action, subject=subject, detail=detail,
                                         seq=seq, prev_hash=prev_hash, hash=hash_))
    _set_head(db, hash_)
    return seq


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _flush_context, _instances) -> None:
    """Entries added with session.add() get their place in the chain as they are flushed."""
    new = [obj for obj in session.new if isinstance(obj, AuditEntry) and obj.seq is None]
    if not new:
        return
    conn = session.connection()  # not session.execute: that would autoflush from inside the flush
    for entry in sorted(new, key=lambda e: e.at):
        entry.seq, entry.prev_hash = _advance(conn)
        entry.hash = entry_hash(entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.detail,
                                entry.prev_hash)
        _set_head(conn, entry.hash)


def chain_existing(conn) -> int:
    """Migration helper: chain the entries written before the chain existed, in id order, and set the head."""
    prev_hash, seq = GENESIS_HASH, 0
    rows = conn.execute(select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                               AuditEntry.subject, AuditEntry.detail).order_by(AuditEntry.id)).all()
    for row in rows:
        seq += 1
        hash_ = entry_hash(seq, row.at, row.actor, row.action, row.subject, row.detail, prev_hash)
        conn.execute(update(AuditEntry).where(AuditEntry.id == row.id).values(seq=seq, prev_hash=prev_hash,
                                                                               hash=hash_))
        prev_hash = hash_
    conn.execute(insert(AuditChainHead).values(id=HEAD_ID, seq=seq, hash=prev_hash))
    return seq


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # "changed" | "removed" | "reordered" | "truncated" | "unchained"
    seq: int | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    last_seq: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(db) -> ChainReport:
    """Walk the chain in sequence order and say where it breaks."""
    rows = db.execute(select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject,
                             AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.hash)
                      .order_by(AuditEntry.seq)).all()
    head = db.execute(select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == HEAD_ID)).one_or_none()
    problems: list[ChainProblem] = []
    unchained = [r for r in rows if r.seq is None]
    if unchained:
        problems.append(ChainProblem("unchained", None, f"{len(unchained)} entries have no place in the chain "
                                                        "(inserted behind the audit log's back)"))
    rows = [r for r in rows if r.seq is not None]
    seqs = [r.seq for r in rows]
    expected, prev_hash = 1, GENESIS_HASH
    for r in rows:
        gap = r.seq > expected
        if gap:
            missing = f"{expected}" if r.seq == expected + 1 else f"{expected}-{r.seq - 1}"
            problems.append(ChainProblem("removed", expected, f"entry(ies) {missing} missing before entry {r.seq}"))
        if entry_hash(r.seq, r.at, r.actor, r.action, r.subject, r.detail, r.prev_hash or "") != r.hash:
            moved_from = next((s for s in seqs + [seqs[-1] + 1] if s != r.seq and abs(s - r.seq) <= 1000 and
                               entry_hash(s, r.at, r.actor, r.action, r.subject, r.detail, r.prev_hash or "")
                               == r.hash), None)
            if moved_from is not None:
                problems.append(ChainProblem("reordered", r.seq, f"entry {r.seq} was written as entry {moved_from}: "
                                                                 "the entries were reordered"))
            else:
                problems.append(ChainProblem("changed", r.seq, f"entry {r.seq} was changed (its content no longer "
                                                               "matches its hash)"))
        elif not gap and r.prev_hash != prev_hash and not (problems and problems[-1].seq == r.seq - 1):
            problems.append(ChainProblem("changed", r.seq - 1, f"entry {r.seq - 1} was changed (entry {r.seq} was "
                                                               "chained to a different version of it)"))
        prev_hash, expected = r.hash, r.seq + 1
    last = seqs[-1] if seqs else 0
    if head is None:
        problems.append(ChainProblem("changed", None, "the audit chain head row is missing"))
    elif head.seq > last:
        problems.append(ChainProblem("truncated", last + 1, f"entry(ies) {last + 1}-{head.seq} at the end are "
                                                            "missing"))
    elif head.seq < last:
        problems.append(ChainProblem("changed", head.seq + 1, f"entries after {head.seq} were added behind the "
                                                              "audit log's back"))
    elif head.hash != prev_hash and not any(p.seq == last for p in problems):
        problems.append(ChainProblem("changed", head.seq, f"entry {head.seq} does not match the chain head"))
    return ChainReport(len(rows) + len(unchained), last, tuple(problems))
