"""Commands staff send from the dashboard, queued for the kiosk's next heartbeat, and their progress."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.deps import audit
from gateway.models import Kiosk, KioskCommand, utcnow

logger = logging.getLogger(__name__)

# The kinds the kiosk-side fleet agent (kiosk/fleet) carries out. gateway.fleet.COMMAND_KINDS has no upload_logs,
# so the dashboard queues its rows itself, in the same table and the same shape.
DASHBOARD_COMMANDS = ("out_of_service", "in_service", "reload_config", "print_test_page", "upload_logs")
MAX_MESSAGE = 200


class CommandRefused(ValueError):
    """A command that cannot be queued, with a plain-English reason."""


def queue(db: Session, kiosk_id: str, kind: str, message: str, actor: str) -> str:
    if kind not in DASHBOARD_COMMANDS:
        raise CommandRefused(f"unknown command; one of {', '.join(DASHBOARD_COMMANDS)}")
    if db.get(Kiosk, kiosk_id) is None:
        raise CommandRefused("no such kiosk")
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise CommandRefused(f"the message is longer than {MAX_MESSAGE} characters")
    args = {"message": message} if kind == "out_of_service" else {}
    command_id = "C" + secrets.token_hex(8)
    now = utcnow()
    db.add(KioskCommand(command_id=command_id, kiosk_id=kiosk_id, kind=kind, args=args, created_at=now))
    audit(db, f"staff:{actor}", "command_queued", kiosk_id, {"command_id": command_id, "kind": kind})
    db.commit()
    logger.info("staff %s queued %s (%s) for %s", actor, command_id, kind, kiosk_id)
    return command_id


def command_status(command: KioskCommand) -> str:
    """queued -> delivered (in a heartbeat reply) -> done or failed (the kiosk's acknowledgement)."""
    if command.done_at is not None:
        return "done" if (command.result or {}).get("ok", True) else "failed"
    return "delivered" if command.delivered_at is not None else "queued"


def command_view(command: KioskCommand) -> dict:
    result = command.result or {}
    return {"command_id": command.command_id, "kiosk_id": command.kiosk_id, "kind": command.kind,
            "message": (command.args or {}).get("message", ""), "status": command_status(command),
            "created_at": command.created_at.isoformat(timespec="seconds"),
            "done_at": command.done_at.isoformat(timespec="seconds") if command.done_at else None,
            "detail": str(result.get("detail", ""))[:200], "has_log": isinstance(result.get("log"), str)}


def recent_commands(db: Session, kiosk_id: str | None = None, limit: int = 20) -> list[dict]:
    query = select(KioskCommand)
    if kiosk_id is not None:
        query = query.where(KioskCommand.kiosk_id == kiosk_id)
    rows = db.execute(query.order_by(KioskCommand.created_at.desc()).limit(limit)).scalars()
    return [command_view(c) for c in rows]
