"""Fleet commands: queue a command for a kiosk; it is delivered in the reply to the kiosk's next heartbeat."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy.orm import Session

from gateway import audit_chain  # noqa: F401  (its flush listener chains the AuditEntry rows added here)
from gateway.models import Kiosk, KioskCommand, AuditEntry, utcnow

logger = logging.getLogger(__name__)

COMMAND_KINDS = frozenset({"out_of_service", "in_service", "reload_config", "print_test_page", "restart_app",
                           "open_compartment", "install_update",
                           "screenshot"})


class UnknownKiosk(LookupError):
    pass


def queue_command(db: Session, kiosk_id: str, kind: str, args: dict | None = None, actor: str = "staff") -> str:
    if kind not in COMMAND_KINDS:
        raise ValueError(f"unknown command kind {kind!r}; one of {', '.join(sorted(COMMAND_KINDS))}")
    if db.get(Kiosk, kiosk_id) is None:
        raise UnknownKiosk(kiosk_id)
    command_id = "C" + secrets.token_hex(8)
    db.add(KioskCommand(command_id=command_id, kiosk_id=kiosk_id, kind=kind, args=args or {}, created_at=utcnow()))
    db.add(AuditEntry(at=utcnow(), actor=actor, action="command_queued", subject=kiosk_id,
                      detail={"command_id": command_id, "kind": kind}))
    db.commit()
    logger.info("command %s (%s) queued for %s", command_id, kind, kiosk_id)
    return command_id
