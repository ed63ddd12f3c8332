"""Purge after the retention period: cached cases, settled events, audit records, expired revocations, old files."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from offline_cache.audit import purge_before as purge_audit
from offline_cache.store import CORRUPT_SUFFIX, Store

logger = logging.getLogger(__name__)

DAY_S = 86400.0


@dataclass(frozen=True)
class PurgeReport:
    case_cache: int = 0
    outbox: int = 0
    audit_log: int = 0
    revocations: int = 0
    files: int = 0

    @property
    def total(self) -> int:
        return self.case_cache + self.outbox + self.audit_log + self.revocations + self.files


def purge(store: Store, retention_days: float, now: float | None = None) -> PurgeReport:
    """Delete what is older than the retention; events still waiting for delivery are never purged."""
    now = store.clock() if now is None else now
    cutoff = now - retention_days * DAY_S
    with store.write() as conn:
        cases = conn.execute("DELETE FROM case_cache WHERE fetched_at < ?", (cutoff,)).rowcount
        outbox = conn.execute("DELETE FROM outbox WHERE state != 'pending' AND settled_at < ?", (cutoff,)).rowcount
        audit = purge_audit(conn, store.sealer, cutoff)  # a prefix of the hash chain, with a sealed anchor
        revocations = conn.execute("DELETE FROM code_revocations WHERE expires_at IS NOT NULL AND expires_at < ?",
                                   (now,)).rowcount
    files = 0
    # Databases moved aside as unreadable still hold sealed personal data: they go with the same retention.
    for path in store.path.parent.glob(f"{store.path.name}{CORRUPT_SUFFIX}*"):
        try:
            if path.stat().st_mtime < cutoff:
                os.unlink(path)
                files += 1
        except OSError:
            logger.warning("could not purge %s", path.name)
    if cases or outbox or audit:
        # secure_delete zeroes the freed pages; the checkpoint clears the old copies the WAL still holds.
        store.checkpoint()
    report = PurgeReport(cases, outbox, audit, revocations, files)
    if report.total:
        logger.info("purged %d case cache entries, %d outbox events, %d audit records, %d revocations, %d files",
                    cases, outbox, audit, revocations, files)
    return report
