"""The kiosk's side of central configuration: an overlay from the heartbeat reply checked over the site file, kept
until the kiosk is idle, then applied (or a restart asked for when devices change); its hash reported back."""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Callable

from config.central import needs_restart, overlay_hash, validate_over
from config.errors import ConfigError
from kiosk.durable_json import write_json_atomically

logger = logging.getLogger(__name__)

OVERLAY_FILE = "central-config.json"


def overlay_path(data_dir) -> Path:
    return Path(data_dir) / OVERLAY_FILE


def read_stored(data_dir) -> dict | None:
    """{"version", "hash", "overlay"} the kiosk last applied, None when it runs its site file alone (or the file is
    unreadable or altered: its hash no longer matches)."""
    path = overlay_path(data_dir)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("central configuration file unreadable (%s): the site file alone is used", type(exc).__name__)
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("overlay"), dict) \
            or overlay_hash(stored["overlay"]) != stored.get("hash"):
        logger.warning("central configuration file does not match its hash: the site file alone is used")
        return None
    return stored


def load_running(config_path, config, env=None):
    """At start-up: the site file's config with the stored central overlay merged in when it still validates over
    it (the site file may have been changed since); otherwise the site file's config as it is."""
    from config.central import load_raw

    stored = read_stored(config.storage.data_dir)
    if stored is None:
        return config
    try:
        return validate_over(load_raw(config_path, env), stored["overlay"])
    except ConfigError as exc:
        logger.warning("stored central configuration %s no longer validates (%s): the site file alone is used",
                       stored.get("version"), exc)
        return config


class CentralConfig:
    """base_raw: the site file as read (config.central.load_raw); apply(new KioskConfig) -> outcome text applies
    the live sections (kiosk.fleet.wiring.ConfigReload.apply); restart(reason) ends the process for its supervisor
    to start again with the stored overlay; idle() is True while no applicant is in session."""

    def __init__(self, base_raw: dict, data_dir, *, apply: Callable, restart: Callable[[str], None],
                 idle: Callable[[], bool], audit: Callable[[str, dict], None] | None = None):
        self.base_raw = base_raw
        self.data_dir = Path(data_dir)
        self.apply = apply
        self.restart = restart
        self.idle = idle
        self.audit = audit
        stored = read_stored(self.data_dir)
        self.running: dict = stored or {"version": None, "hash": None, "overlay": {}}
        self.pending: dict | None = None
        self.refused: dict | None = None
        self.restart_requested = False
        self._lock = threading.Lock()

    # -- from the heartbeat reply -------------------------------------------------------------------------------
    def offer(self, offered) -> None:
        """The reply's "config": checked now (refused and reported if invalid), applied at the next idle moment."""
        if not isinstance(offered, dict):
            return
        overlay, digest, version = offered.get("overlay"), str(offered.get("hash", ""))[:64], \
            str(offered.get("version", ""))[:32]
        with self._lock:
            if digest in (self.running.get("hash"), (self.pending or {}).get("hash")):
                return
            try:
                if not isinstance(overlay, dict) or overlay_hash(overlay) != digest:
                    raise ConfigError("central configuration", "", "its hash does not match its content")
                config = validate_over(self.base_raw, overlay)
            except ConfigError as exc:
                reason = str(exc)[:200]
                self.refused = {"hash": digest, "version": version, "reason": reason}
                logger.warning("central configuration %s refused: %s; the running one is kept", version, reason)
                self._audit("config_refused", {"version": version, "sha256": digest})
                return
            self.refused = None
            self.pending = {"version": version, "hash": digest, "overlay": overlay, "config": config}
            logger.info("central configuration %s received; applied at the next idle moment", version)
        self.step()

    def step(self) -> str | None:
        """Applies the pending configuration if the kiosk is idle now; returns what was done (None: nothing)."""
        with self._lock:
            pending = self.pending
            if pending is None or self.restart_requested:
                return None
            try:
                idle = bool(self.idle())
            except Exception:  # the session could not say: not idle
                idle = False
            if not idle:
                return None
            restart = needs_restart(self.running.get("overlay") or {}, pending["overlay"])
            stored = {k: pending[k] for k in ("version", "hash", "overlay")}
            write_json_atomically(overlay_path(self.data_dir), stored)
            self.pending = None
            if restart:
                self.restart_requested = True
                outcome = "restart for: " + ", ".join(restart)
            else:
                outcome = self.apply(pending["config"]) or "applied"
                self.running = stored
            self._audit("config_applied", {"version": stored["version"], "sha256": stored["hash"],
                                           "restart": bool(restart)})
            logger.info("central configuration %s: %s", stored["version"], outcome)
        if restart:
            self.restart(outcome)
        return outcome

    def heartbeat_fields(self) -> dict:
        """What each heartbeat reports: the running overlay's hash and version, and the last one refused."""
        with self._lock:
            return {"config_hash": self.running.get("hash"), "config_version": self.running.get("version"),
                    "config_refused": dict(self.refused) if self.refused else None}

    def on_reply(self, reply: dict) -> None:
        if isinstance(reply, dict) and reply.get("config") is not None:
            self.offer(reply["config"])
        else:
            self.step()

    def _audit(self, action: str, details: dict) -> None:
        if self.audit is not None:
            try:
                self.audit(action, details)
            except Exception as exc:  # the audit log's own failure is reported by it; the config goes on
                logger.warning("audit of %s failed: %s", action, type(exc).__name__)
