"""Carrying out one fleet command from a heartbeat reply; every command ends in a CommandResult, never a raise."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Callable

from kiosk import events as ev
from kiosk.privacy import scrub_text

logger = logging.getLogger(__name__)

KINDS = ("out_of_service", "in_service", "reload_config", "print_test_page", "upload_logs", "install_update",
         "screenshot")
# What fits in one command_result event beside its other fields (the gateway takes 16 KB of JSON per payload).
MAX_LOG_CHARS = 12_000
MAX_MESSAGE = 200


@dataclass(frozen=True)
class CommandResult:
    command_id: str
    kind: str
    ok: bool
    detail: str = ""
    extra: dict = field(default_factory=dict)
    finished_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    def payload(self) -> dict:
        return {"command_id": self.command_id, "kind": self.kind, "ok": self.ok, "detail": self.detail[:200],
                **self.extra}


@dataclass
class CommandHandlers:
    """What the agent needs from the rest of the kiosk. post: kiosk.runtime.Runtime.post (or any event sink);
    reload_config / print_test_page return a short outcome or raise; read_logs returns recent log text."""

    post: Callable[[ev.Event], None] | None = None
    reload_config: Callable[[], str | None] | None = None
    print_test_page: Callable[[], str | None] | None = None
    read_logs: Callable[[], str] | None = None
    # install_update(args) -> outcome: kiosk.updates.health.Updater.install (the release installed beside this one)
    install_update: Callable[[dict], str] | None = None
    # screenshot(args) -> outcome: kiosk.fleet.remote_view.RemoteView.command (taken when no session)
    screenshot: Callable[[dict], str] | None = None


def mask_logs(text: str) -> str:
    """The newest MAX_LOG_CHARS of the log with anything ID-number-shaped masked (kiosk.privacy.scrub_text)."""
    masked = scrub_text(text)
    return masked[-MAX_LOG_CHARS:]


def execute(command: dict, handlers: CommandHandlers) -> CommandResult:
    command_id = str(command.get("command_id", ""))[:64]
    kind = str(command.get("kind", ""))[:32]
    args = command.get("args") if isinstance(command.get("args"), dict) else {}
    try:
        if kind in ("out_of_service", "in_service"):
            if handlers.post is None:
                return CommandResult(command_id, kind, False, "no session to command")
            message = str(args.get("message", ""))[:MAX_MESSAGE] if kind == "out_of_service" else ""
            handlers.post(ev.ServiceModeCommanded(in_service=kind == "in_service", message=message))
            return CommandResult(command_id, kind, True, "out of service" if kind == "out_of_service"
                                 else "back in service")
        if kind == "reload_config":
            return _callback(command_id, kind, handlers.reload_config, "config reloaded")
        if kind == "print_test_page":
            return _callback(command_id, kind, handlers.print_test_page, "test page printed")
        if kind == "install_update":
            if handlers.install_update is None:
                return CommandResult(command_id, kind, False, "not supported on this kiosk")
            return CommandResult(command_id, kind, True, scrub_text(str(handlers.install_update(args)))[:200])
        if kind == "screenshot":
            if handlers.screenshot is None:
                return CommandResult(command_id, kind, False, "not supported on this kiosk")
            return CommandResult(command_id, kind, True, scrub_text(str(handlers.screenshot(args)))[:200])
        if kind == "upload_logs":
            if handlers.read_logs is None:
                return CommandResult(command_id, kind, False, "no log source configured")
            log = mask_logs(handlers.read_logs())
            return CommandResult(command_id, kind, True, f"{len(log)} characters uploaded", {"log": log})
    except Exception as exc:  # a command must end with a result the dashboard can show, whatever went wrong
        logger.warning("fleet command %s (%s) failed: %s", command_id, kind, type(exc).__name__)
        return CommandResult(command_id, kind, False, scrub_text(f"{type(exc).__name__}: {exc}")[:200])
    logger.warning("fleet command %s has an unknown kind", command_id)
    return CommandResult(command_id, kind, False, "unknown command")


def _callback(command_id: str, kind: str, fn: Callable[[], str | None] | None, done: str) -> CommandResult:
    if fn is None:
        return CommandResult(command_id, kind, False, "not supported on this kiosk")
    outcome = fn()
    return CommandResult(command_id, kind, True, scrub_text(str(outcome))[:200] if outcome else done)
