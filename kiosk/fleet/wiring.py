"""Wires the fleet agent into a kiosk process: its providers (devices, stock, outbox, errors) and command handlers."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from kiosk import events as ev
from kiosk.fleet.agent import FleetAgent
from kiosk.fleet.commands import CommandHandlers

logger = logging.getLogger(__name__)

LOG_TAIL_BYTES = 256 * 1024
# Sections a reload applies to the running kiosk; a change anywhere else waits for a restart.
LIVE_SECTIONS = ("session", "fleet", "logging")


def read_log_tail(path: Path | None, fallback: Callable[[], list[dict]] | None = None) -> str:
    """The end of the kiosk's log file; without one, the recent warnings and errors kept in memory."""
    if path is not None:
        try:
            with open(path, "rb") as log:
                log.seek(0, 2)
                size = log.tell()
                log.seek(max(0, size - LOG_TAIL_BYTES))
                return log.read().decode("utf-8", errors="replace")
        except OSError as exc:
            logger.warning("log file unreadable for upload: %s", type(exc).__name__)
    entries = fallback() if fallback is not None else []
    return "\n".join(f"{e['at']} {e['level']} {e['source']}: {e['message']}" for e in entries)


class ConfigReload:
    """The reload_config command: reads the site file again, validates it, applies what can change while running
    (session timeouts, staff credentials and lockout, heartbeat interval, log level) and names what needs a
    restart. A file that does not validate changes nothing."""

    def __init__(self, path: Path | None, current, *, post: Callable | None = None, sign_in=None, agent_ref=None):
        """post: the runtime's post (the session's new timeouts go to it as an event, like everything else)."""
        self.path = Path(path) if path else None
        self.current = current
        self.post = post
        self.sign_in = sign_in
        self.agent_ref = agent_ref or (lambda: None)

    def __call__(self) -> str:
        from config import load_config

        from kiosk.fleet.central_config import load_running

        if self.path is None:
            raise RuntimeError("this kiosk was not started from a config file")
        # ConfigError: one line, nothing applied. The central configuration's overlay stays merged in.
        return self.apply(load_running(self.path, load_config(self.path)))

    def apply(self, new) -> str:
        """Applies a validated KioskConfig's live sections (the site file reloaded, or a central overlay)."""
        from kiosk.maintenance.staff import StaffGate

        old = self.current
        changed = [name for name in type(new).model_fields if getattr(new, name) != getattr(old, name)]
        if self.post is not None:
            s = new.session
            self.post(ev.SessionSettingsChanged(s.idle_timeout_s, s.idle_warning_s, s.done_timeout_s,
                                                s.maintenance_idle_timeout_s))
        if self.sign_in is not None and new.fleet != old.fleet:
            self.sign_in.replace_gate(StaffGate.from_config(new.fleet))
        agent = self.agent_ref()
        if agent is not None:
            agent.change_interval(new.fleet.heartbeat_interval_s)
        logging.getLogger().setLevel(new.logging.level)
        self.current = new
        restart = [name for name in changed if name not in LIVE_SECTIONS]
        applied = [name for name in changed if name in LIVE_SECTIONS]
        logger.info("config reloaded: applied %s; needs a restart: %s", applied or "nothing",
                    restart or "nothing")
        text = "config reloaded"
        if applied:
            text += "; applied: " + ", ".join(applied)
        if restart:
            text += "; restart needed for: " + ", ".join(restart)
        return text


def build_fleet_agent(config, platform, post, *, devices: Callable[[], dict], stock: Callable[[], dict],
                      outbox_depth: Callable[[], int] | None, last_error: Callable[[], str | None] | None,
                      print_test_page: Callable[[], str | None] | None, read_logs: Callable[[], str] | None,
                      reload_config: Callable[[], str] | None, doors_open: Callable[[], list] | None = None,
                      audit_head: Callable[[], dict | None] | None = None,
                      central=None) -> FleetAgent | None:
    """The agent when config.fleet enables it and there is a gateway client; None otherwise."""
    if not config.fleet.enabled or platform is None or not hasattr(platform, "heartbeat"):
        if config.fleet.enabled:
            logger.info("fleet agent not started: no gateway client")
        return None
    handlers = CommandHandlers(post=post, reload_config=reload_config, print_test_page=print_test_page,
                               read_logs=read_logs)
    return FleetAgent.from_config(config.fleet, platform, handlers=handlers, devices=devices, stock=stock,
                                  outbox_depth=outbox_depth, last_error=last_error, doors_open=doors_open,
                                  audit_head=audit_head,
                                  data_dir=Path(config.storage.data_dir),
                                  payload_extra=central.heartbeat_fields if central is not None else None,
                                  on_reply=central.on_reply if central is not None else None)
