"""Locker compartments and what each holds, and revoked pickup codes: what the locker needs to hand over offline."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Iterable

from offline_cache.store import Store

logger = logging.getLogger(__name__)

EMPTY, LOADED, OUT_OF_ORDER = "empty", "loaded", "out_of_order"


@dataclass(frozen=True)
class CompartmentRecord:
    """One compartment; `contents` (case id, code digits hash, expiry...) is sealed at rest."""

    label: str
    state: str
    code_id: str | None
    contents: dict | None
    updated_at: float


class LockerState:
    """Compose with the outbox in one transaction: `with store.write(): locker.empty(...); outbox.enqueue(...)`."""

    def __init__(self, store: Store):
        self.store = store

    def _context(self, label: str) -> bytes:
        return b"compartment:" + label.encode()

    def ensure(self, labels: Iterable[str]) -> None:
        """Make sure every compartment of the locker has a row (new ones start empty)."""
        now = self.store.clock()
        with self.store.write() as conn:
            conn.executemany("INSERT OR IGNORE INTO compartments (label, state, updated_at) VALUES (?, 'empty', ?)",
                             [(label, now) for label in labels])

    def load(self, label: str, code_id: str, contents: dict) -> None:
        """Staff put a certificate in: the compartment now belongs to this pickup code."""
        sealed = self.store.sealer.seal(json.dumps(contents, ensure_ascii=False, sort_keys=True).encode(),
                                        self._context(label))
        with self.store.write() as conn:
            row = conn.execute("SELECT state FROM compartments WHERE label = ?", (label,)).fetchone()
            if row is not None and row[0] != EMPTY:
                raise ValueError(f"compartment {label} is {row[0]}, not empty")
            conn.execute("INSERT INTO compartments (label, state, code_id, contents, updated_at) "
                         "VALUES (?, 'loaded', ?, ?, ?) ON CONFLICT (label) DO UPDATE SET state = 'loaded', "
                         "code_id = excluded.code_id, contents = excluded.contents, updated_at = excluded.updated_at",
                         (label, code_id, sealed, self.store.clock()))

    def empty(self, label: str) -> None:
        """The item was taken out (or withdrawn by staff): contents are wiped."""
        with self.store.write() as conn:
            conn.execute("UPDATE compartments SET state = 'empty', code_id = NULL, contents = NULL, updated_at = ? "
                         "WHERE label = ? AND state != 'out_of_order'", (self.store.clock(), label))

    def set_out_of_order(self, label: str, out_of_order: bool) -> None:
        with self.store.write() as conn:
            if out_of_order:
                conn.execute("UPDATE compartments SET state = 'out_of_order', updated_at = ? WHERE label = ?",
                             (self.store.clock(), label))
            else:
                conn.execute("UPDATE compartments SET state = CASE WHEN contents IS NULL THEN 'empty' ELSE 'loaded' "
                             "END, updated_at = ? WHERE label = ? AND state = 'out_of_order'",
                             (self.store.clock(), label))

    def get(self, label: str) -> CompartmentRecord | None:
        rows = self.store.query("SELECT label, state, code_id, contents, updated_at FROM compartments WHERE label = ?",
                                (label,))
        return self._record(rows[0]) if rows else None

    def by_code(self, code_id: str) -> CompartmentRecord | None:
        rows = self.store.query("SELECT label, state, code_id, contents, updated_at FROM compartments "
                                "WHERE code_id = ?", (code_id,))
        return self._record(rows[0]) if rows else None

    def all(self) -> list[CompartmentRecord]:
        return [self._record(r) for r in self.store.query(
            "SELECT label, state, code_id, contents, updated_at FROM compartments ORDER BY label")]

    def _record(self, row) -> CompartmentRecord:
        label, state, code_id, sealed, updated_at = row
        contents = json.loads(self.store.sealer.open(sealed, self._context(label))) if sealed is not None else None
        return CompartmentRecord(label, state, code_id, contents, updated_at)

    # -- revocations ------------------------------------------------------------------------------------------
    def revoke(self, code_id: str, reason: str, expires_at: float | None = None) -> None:
        """A pickup code that must not open anything any more (reissued, case withdrawn); kept until it expires."""
        with self.store.write() as conn:
            conn.execute("INSERT INTO code_revocations (code_id, reason, revoked_at, expires_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (code_id) DO NOTHING", (code_id, reason, self.store.clock(), expires_at))

    def is_revoked(self, code_id: str) -> bool:
        return bool(self.store.query("SELECT 1 FROM code_revocations WHERE code_id = ?", (code_id,)))
