"""Staff sign-in under attack: failures counted per user and per client address in the database (every gateway
process shares them) with a lockout, an audit entry per failure, and a bound on password hashes run at once."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import weakref
from dataclasses import dataclass

import anyio
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gateway.deps import audit
from gateway.models import RateWindow, utcnow

logger = logging.getLogger(__name__)

WINDOW_S = 15 * 60  # failures count in fixed 15-minute windows
MAX_FAILURES_PER_USER = 5  # then that username is locked until the window ends, whatever the password
MAX_FAILURES_PER_ADDRESS = 20  # then that client address is locked, whichever usernames it tries
# Sign-ins (each a scrypt hash, 16 MiB and tens of ms) at once per process, in threads of their own; one beyond that
# is answered "busy" at once instead of holding one of the worker threads the kiosk API needs. One leaves the other
# core of a small server to the kiosks (bench/bench_login_flood.py).
CONCURRENT_HASHES = 1
_hash_slots = threading.BoundedSemaphore(CONCURRENT_HASHES)


@dataclass(frozen=True)
class Locked:
    retry_after_s: int
    reason: str


def _user_key(username: str) -> str:
    return "login-user:" + hashlib.sha256(username.encode("utf-8")).hexdigest()[:40]


def _address_key(address: str) -> str:
    return "login-ip:" + address[:50]


def _window(now_s: float) -> int:
    return int(now_s // WINDOW_S) * WINDOW_S


def lockout(db, username: str, address: str) -> Locked | None:
    """The lock on this sign-in (user or address over its failures in the current window), or None."""
    now = utcnow().timestamp()
    window = _window(now)
    rows = dict(db.execute(select(RateWindow.kiosk_id, RateWindow.count).where(
        RateWindow.kiosk_id.in_([_user_key(username), _address_key(address)]), RateWindow.window_start == window)).all())
    db.rollback()
    retry = max(1, int(window + WINDOW_S - now))
    if rows.get(_user_key(username), 0) >= MAX_FAILURES_PER_USER:
        return Locked(retry, "user")
    if rows.get(_address_key(address), 0) >= MAX_FAILURES_PER_ADDRESS:
        return Locked(retry, "address")
    return None


def record_failure(db, username: str, address: str, reason: str) -> None:
    """Counts the failure for the user and the address and audits it (username and address; never the password)."""
    window = _window(utcnow().timestamp())
    upsert = sqlite_insert if db.get_bind().dialect.name == "sqlite" else pg_insert
    for key in (_user_key(username), _address_key(address)):
        stmt = upsert(RateWindow).values(kiosk_id=key, window_start=window, count=1)
        db.execute(stmt.on_conflict_do_update(index_elements=[RateWindow.kiosk_id, RateWindow.window_start],
                                              set_={"count": RateWindow.count + 1}))
        db.execute(delete(RateWindow).where(RateWindow.kiosk_id == key, RateWindow.window_start < window))
    audit(db, "staff-sign-in", "staff_sign_in_failed", username[:80], {"address": address[:50], "reason": reason})
    db.commit()
    logger.warning("staff sign-in refused for %r from %s (%s)", username[:64], address, reason)


def forget_failures(db, username: str) -> None:
    """After a successful sign-in, the user's own count starts again (the address's does not)."""
    db.execute(delete(RateWindow).where(RateWindow.kiosk_id == _user_key(username)))
    db.commit()


def sign_in_limiter(state) -> anyio.CapacityLimiter:
    """The worker-thread limiter of sign-ins for the running event loop (one per loop: a test may run several)."""
    loop = asyncio.get_running_loop()
    limiters = getattr(state, "sign_in_limiters", None)
    if limiters is None:
        limiters = state.sign_in_limiters = weakref.WeakKeyDictionary()
    limiter = limiters.get(loop)
    if limiter is None:
        limiter = limiters[loop] = anyio.CapacityLimiter(CONCURRENT_HASHES)
    return limiter


class HashingBusy(Exception):
    """Every password-hashing slot of this process is taken."""


class hashing_slot:
    """`with hashing_slot():` around a password hash; raises HashingBusy when none is free."""

    def __enter__(self):
        if not _hash_slots.acquire(blocking=False):
            raise HashingBusy
        return self

    def __exit__(self, *exc):
        _hash_slots.release()
