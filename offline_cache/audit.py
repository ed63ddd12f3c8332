"""The local audit log: each record is kept (sealed) on the kiosk and queued in the same transaction for the gateway."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from offline_cache.outbox import Outbox
from offline_cache.store import Store

logger = logging.getLogger(__name__)

AUDIT_EVENT_KIND = "audit"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: float
    action: str
    actor: str
    details: dict


class AuditLog:
    def __init__(self, store: Store, outbox: Outbox):
        self.store = store
        self.outbox = outbox

    def record(self, action: str, actor: str, details: dict | None = None) -> AuditEntry:
        """Append a record (actor is a staff or kiosk id, never a name) and queue it for the gateway, atomically."""
        details = dict(details or {})
        at = self.store.clock()
        body = json.dumps(details, ensure_ascii=False, sort_keys=True).encode()
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO audit_log (at, action, actor, details) VALUES (?, ?, ?, x'')",
                               (at, action, actor))
            seq = cur.lastrowid
            conn.execute("UPDATE audit_log SET details = ? WHERE seq = ?",
                         (self.store.sealer.seal(body, f"audit:{seq}".encode()), seq))
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
