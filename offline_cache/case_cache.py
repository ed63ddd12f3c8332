"""Cached case status of recent applicants: keyed by an HMAC of the ID number, sealed, opened after re-verification."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
from dataclasses import dataclass

from offline_cache.errors import NotVerified
from offline_cache.sealing import SealBroken
from offline_cache.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedCases:
    """Cases as the gateway sent them (Case JSON objects), and when they were fetched (wall clock, seconds)."""

    cases: tuple[dict, ...]
    fetched_at: float

    def age_s(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)


def _plain(value):
    """JSON for cases given as gateway JSON dicts or as the kiosk's frozen dataclasses (kiosk.cases.Case)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot cache a {type(value).__name__}")


class CaseCache:
    def __init__(self, store: Store, *, reverify_window_s: float = 300.0):
        self.store = store
        self.reverify_window_s = reverify_window_s

    def put(self, id_number: str, cases, fetched_at: float | None = None) -> None:
        """Remember the cases fetched online for this person (replaces the previous entry). Cases may be Case JSON
        dicts or kiosk.cases.Case objects; they come back as Case JSON dicts (`Case.from_json` reads them)."""
        fetched_at = self.store.clock() if fetched_at is None else fetched_at
        subject = self.store.sealer.subject(id_number)
        body = json.dumps(list(cases), ensure_ascii=False, sort_keys=True, default=_plain).encode()
        sealed = self.store.sealer.for_person(id_number).seal(body, b"case_cache:" + subject.encode())
        with self.store.write() as conn:
            conn.execute("INSERT INTO case_cache (subject, sealed, fetched_at) VALUES (?, ?, ?) ON CONFLICT (subject) "
                         "DO UPDATE SET sealed = excluded.sealed, fetched_at = excluded.fetched_at",
                         (subject, sealed, fetched_at))

    def get(self, id_number: str, *, verified_at: float | None, now: float | None = None) -> CachedCases | None:
        """The cached cases, for a person whose identity was verified at `verified_at` (wall clock), moments ago.

        Holding the card is not enough: the entry opens only with a verification inside the re-verification window,
        and its key needs the ID number itself, which the store does not keep.
        """
        now = self.store.clock() if now is None else now
        if verified_at is None or not (0 <= now - verified_at <= self.reverify_window_s):
            raise NotVerified("cached case status needs a fresh identity verification")
        subject = self.store.sealer.subject(id_number)
        rows = self.store.query("SELECT sealed, fetched_at FROM case_cache WHERE subject = ?", (subject,))
        if not rows:
            return None
        sealed, fetched_at = rows[0]
        try:
            cases = json.loads(self.store.sealer.for_person(id_number).open(sealed, b"case_cache:" + subject.encode()))
        except (SealBroken, ValueError):
            logger.warning("a case cache entry failed authentication and was removed")
            self.forget(id_number)
            return None
        return CachedCases(tuple(cases), fetched_at)

    def forget(self, id_number: str) -> None:
        with self.store.write() as conn:
            conn.execute("DELETE FROM case_cache WHERE subject = ?", (self.store.sealer.subject(id_number),))

    def __len__(self) -> int:
        return self.store.query("SELECT COUNT(*) FROM case_cache")[0][0]
