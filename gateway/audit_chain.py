"""The gateway's hash-chained audit log: every AuditEntry carries a sequence number, the SHA-256 of the previous entry's
canonical form and its own; `verify_chain` (`kiosk-gateway audit-verify`) names a removed, changed or reordered entry.

Appends are serialised by the single `audit_chain_head` row, updated first in the writer's transaction: on PostgreSQL
the row lock makes concurrent writers (any number of processes) take their turn until commit, on SQLite the write lock
does. Entries added through the ORM (`db.add(AuditEntry(...))`) are chained at flush time by a Session listener.

The head row is sealed: an HMAC (key: GatewaySettings.audit_seal_key) of its seq, hash and state. Someone with write
access to the database but not the key who deletes the newest entries and rewrites the head to match leaves a seal
that no longer verifies; the next append notices it and carries the break forward in every later seal ("broken@N"),
so it cannot be washed out by new entries either. Restoring an older head row together with its old seal is not
caught by the seal alone: `verify_chain(..., anchor=(seq, hash))` checks the chain against an anchor kept outside the
database (`kiosk-gateway audit-verify --anchor-file`, which appends the verified head to that file each run).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from gateway.models import AuditChainHead, AuditEntry, utcnow

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
HEAD_ID = 1
SEAL_OK = "ok"
DEMO_SEAL_KEY = "demo-audit-seal-key"  # GatewaySettings' default; production passes its own (--audit-key-file)

_seal_key: bytes = DEMO_SEAL_KEY.encode()


def use_seal_key(key: str | bytes) -> None:
    """The key this process seals and checks the head with (the app factory and the CLI set it from settings)."""
    global _seal_key
    if not key:
        raise ValueError("the audit seal key must not be empty")
    _seal_key = key.encode() if isinstance(key, str) else bytes(key)


def current_seal_key() -> bytes:
    """This process's audit key (gateway.secrets_at_rest derives its encryption key from it)."""
    return _seal_key


def head_seal(seq: int, hash_: str, state: str = SEAL_OK, key: bytes | None = None) -> str:
    """The sealed form of a head: "<state>:<hmac-sha256 hex>" over the place, the hash and the state."""
    mac = hmac.new(key or _seal_key, f"audit-head|v1|{seq}|{hash_}|{state}".encode(), hashlib.sha256).hexdigest()
    return f"{state}:{mac}"


def seal_state(seq: int, hash_: str, seal: str | None, key: bytes | None = None) -> str | None:
    """The state a head's seal carries ("ok" or "broken@N"), or None when the seal is missing or not genuine."""
    if not seal or ":" not in seal:
        return None
    state = seal.rsplit(":", 1)[0]
    # As bytes: compare_digest refuses str with non-ASCII characters, and the column holds whatever was written.
    return state if hmac.compare_digest(head_seal(seq, hash_, state, key).encode(), seal.encode()) else None


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


def _advance(db) -> tuple[int, str, str]:
    """Take the next sequence number, holding the head row until the transaction ends; returns (seq, prev hash,
    the state the new head's seal carries on)."""
    # UPDATE first: it takes the row lock (PostgreSQL) or the write lock (SQLite) before anything is read, so two
    # writers can never both read the same head.
    row = db.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                     .values(seq=AuditChainHead.seq + 1)
                     .returning(AuditChainHead.seq, AuditChainHead.hash, AuditChainHead.seal)).one_or_none()
    if row is None:
        raise RuntimeError("the audit chain head row is missing: run the gateway's migrations")
    seq, prev_hash = int(row[0]), row[1]
    state = seal_state(seq - 1, prev_hash, row[2])
    if state is None:
        # The head was rewritten without the key (a truncated tail?). Appending goes on - the gateway's work must
        # not stop - but every seal from now on says where the chain was found broken.
        state = f"broken@{seq - 1}"
        logger.error("audit chain head at entry %d is not sealed with this gateway's key: the chain was tampered "
                     "with (or the audit key changed); run `kiosk-gateway audit-verify`", seq - 1)
    return seq, prev_hash, state


def _set_head(db, seq: int, hash_: str, state: str) -> None:
    db.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
               .values(hash=hash_, seal=head_seal(seq, hash_, state)))


def sealed_with_this_key(db) -> bool:
    """Whether the head's seal is genuine under this process's key: an admin command run without the gateway's key
    file must not append (its seal would mark the chain broken)."""
    head = db.execute(select(AuditChainHead.seq, AuditChainHead.hash, AuditChainHead.seal)
                      .where(AuditChainHead.id == HEAD_ID)).one_or_none()
    return head is not None and seal_state(int(head.seq), head.hash, head.seal) is not None


def seal_head(conn) -> None:
    """Migration helper: seal the head as it stands (the operator upgrading vouches for the chain at that moment)."""
    row = conn.execute(select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == HEAD_ID)).one()
    conn.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                 .values(seal=head_seal(int(row.seq), row.hash)))


def append(db, actor: str, action: str, subject: str | None = None, detail: dict | None = None,
           at: dt.datetime | None = None) -> int:
    """Append an entry in the caller's transaction (a Session or a Connection); returns its sequence number."""
    at = at or utcnow()
    seq, prev_hash, state = _advance(db)
    hash_ = entry_hash(seq, at, actor, action, subject, detail, prev_hash)
    db.execute(insert(AuditEntry).values(at=at, actor=actor, action=action, subject=subject, detail=detail,
                                         seq=seq, prev_hash=prev_hash, hash=hash_))
    _set_head(db, seq, hash_, state)
    return seq


def append_many(db, entries: list[tuple[str, str, str | None, dict | None]], at: dt.datetime | None = None) -> None:
    """Appends several entries (actor, action, subject, detail) in the caller's transaction, in order, taking the
    head once for all of them (a batch of kiosk events: gateway/routers/kiosk_event_batches.py)."""
    if not entries:
        return
    at = at or utcnow()
    row = db.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                     .values(seq=AuditChainHead.seq + len(entries))
                     .returning(AuditChainHead.seq, AuditChainHead.hash, AuditChainHead.seal)).one_or_none()
    if row is None:
        raise RuntimeError("the audit chain head row is missing: run the gateway's migrations")
    seq, prev_hash = int(row[0]) - len(entries), row[1]
    state = seal_state(seq, prev_hash, row[2])
    if state is None:  # as in _advance: appending goes on, every seal says where the chain was found broken
        state = f"broken@{seq}"
        logger.error("audit chain head at entry %d is not sealed with this gateway's key: the chain was tampered "
                     "with (or the audit key changed); run `kiosk-gateway audit-verify`", seq)
    rows = []
    for actor, action, subject, detail in entries:
        seq += 1
        hash_ = entry_hash(seq, at, actor, action, subject, detail, prev_hash)
        rows.append({"at": at, "actor": actor, "action": action, "subject": subject, "detail": detail, "seq": seq,
                     "prev_hash": prev_hash, "hash": hash_})
        prev_hash = hash_
    db.execute(insert(AuditEntry), rows)
    _set_head(db, seq, prev_hash, state)


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _flush_context, _instances) -> None:
    """Entries added with session.add() get their place in the chain as they are flushed."""
    new = [obj for obj in session.new if isinstance(obj, AuditEntry) and obj.seq is None]
    if not new:
        return
    conn = session.connection()  # not session.execute: that would autoflush from inside the flush
    for entry in sorted(new, key=lambda e: e.at):
        entry.seq, entry.prev_hash, state = _advance(conn)
        entry.hash = entry_hash(entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.detail,
                                entry.prev_hash)
        _set_head(conn, entry.seq, entry.hash, state)


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
    kind: str  # "changed" | "removed" | "reordered" | "truncated" | "unchained" | "head_unsealed" | "head_broken"
    seq: int | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    last_seq: int
    problems: tuple[ChainProblem, ...]
    last_hash: str = GENESIS_HASH  # the newest entry's hash: what an anchor records

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(db, seal_key: bytes | None = None, anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in sequence order and say where it breaks; the head's seal is checked with `seal_key` (default:
    this process's key, see use_seal_key), and an `anchor` (seq, hash) recorded outside the database must still be
    in the chain as it was."""
    rows = db.execute(select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject,
                             AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.hash)
                      .order_by(AuditEntry.seq)).all()
    head = db.execute(select(AuditChainHead.seq, AuditChainHead.hash, AuditChainHead.seal)
                      .where(AuditChainHead.id == HEAD_ID)).one_or_none()
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
    if head is not None:
        problems.extend(_seal_problems(head, seal_key))
    if anchor is not None and anchor[0] > 0:
        at_anchor = next((r for r in rows if r.seq == anchor[0]), None)
        if at_anchor is None and anchor[0] > last:
            problems.append(ChainProblem("truncated", last + 1, f"the chain ends at entry {last} but entry "
                                                                f"{anchor[0]} was anchored: entries were cut off or "
                                                                "an older database restored"))
        elif at_anchor is not None and at_anchor.hash != anchor[1]:
            problems.append(ChainProblem("changed", anchor[0], f"entry {anchor[0]} is not the one anchored: the chain "
                                                               "was rewritten from there"))
    return ChainReport(len(rows) + len(unchained), last, tuple(problems), rows[-1].hash if rows else GENESIS_HASH)


def _seal_problems(head, seal_key: bytes | None) -> list[ChainProblem]:
    if not head.seal:
        return [ChainProblem("head_unsealed", None, "the chain head carries no seal (removed: the newest entries may "
                                                    "have been cut off)")]
    state = seal_state(int(head.seq), head.hash, head.seal, seal_key)
    if state is None:
        return [ChainProblem("head_broken", None, f"the chain head (entry {head.seq}) is not sealed with the audit "
                                                  "key: it was rewritten, e.g. to hide entries cut off the end")]
    if state != SEAL_OK:
        at = state.partition("@")[2]
        return [ChainProblem("head_broken", int(at) if at.isdigit() else None,
                             f"the chain head was found rewritten without the audit key when entry {at} was the "
                             "newest (entries after it may have been cut off before the next append)")]
    return []


def read_anchor(path) -> tuple[int, str] | None:
    """The newest anchor in an anchor file (lines "seq hash time"), or None when there is none yet."""
    from pathlib import Path

    try:
        lines = [line.split() for line in Path(path).read_text(encoding="ascii").splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    if not lines or len(lines[-1]) < 2 or not lines[-1][0].isdigit() or len(lines[-1][1]) != 64:
        raise ValueError(f"{path} is not an audit anchor file (lines of: seq hash time)")
    return int(lines[-1][0]), lines[-1][1]


def write_anchor(path, report: ChainReport) -> None:
    """Append the verified head to the anchor file (kept outside the database, e.g. on another machine)."""
    with open(path, "a", encoding="ascii") as anchor_file:
        anchor_file.write(f"{report.last_seq} {report.last_hash} {_iso(utcnow())}\n")
