"""The kiosk's fleet agent: a heartbeat every N seconds, commands from the reply carried out, results acknowledged.

Each tick: deliver the results of the commands carried out since the last tick (one command_result event each, with
the command id in its Idempotency-Key so a retry is never applied twice), then send the heartbeat, which names the
commands just acknowledged, then carry out the commands in its reply. A result that cannot be delivered is kept and
tried again on the next tick.
"""
from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from kiosk import __version__
from kiosk.fleet.commands import CommandHandlers, CommandResult, execute
from kiosk.fleet.probes import disk_free_pct, memory_used_pct
from kiosk.platform_client import PlatformError, PlatformRejected
from kiosk.privacy import scrub_text

logger = logging.getLogger(__name__)

MAX_PENDING_RESULTS = 100


def device_report(device) -> dict:
    """{"status", "reason"} of a peripherals.status.Device; a printer adds the reason from its last status reply."""
    status = getattr(device.status, "value", str(device.status))
    reason = ""
    state = getattr(device, "state", None)
    if state is not None and hasattr(state, "device_status"):
        reason = state.device_status()[1]
    return {"status": status, "reason": reason}


MAX_REMEMBERED_COMMANDS = 1000


_UNREADABLE = object()


class FleetAgent:
    """devices: the kiosk's peripherals.status.Device objects (or a callable giving {name: status or dict});
    stock / outbox_depth / doors_open / last_error / audit_head: callables read at each heartbeat (a failing one is
    skipped)."""

    def __init__(self, client, *, interval_s: float = 30.0, handlers: CommandHandlers | None = None,
                 devices: Iterable | Callable[[], dict] = (), stock: Callable[[], dict] | None = None,
                 outbox_depth: Callable[[], int] | None = None, doors_open: Callable[[], list] | None = None,
                 last_error: Callable[[], str | None] | None = None, data_dir: Path | str = "/",
                 audit_head: Callable[[], dict | None] | None = None,
                 version: str = __version__, clock: Callable[[], float] = time.monotonic,
                 payload_extra: Callable[[], dict] | None = None, on_reply: Callable[[dict], None] | None = None):
        self.client = client
        self.change_interval(interval_s)
        self.handlers = handlers or CommandHandlers()
        self.devices = devices if callable(devices) else tuple(devices)
        self.stock = stock
        self.outbox_depth = outbox_depth
        self.doors_open = doors_open
        self.last_error_source = last_error
        self.audit_head = audit_head
        # More heartbeat fields (central configuration's running hash...) and a reader of the whole reply.
        self.payload_extra = payload_extra
        self.on_reply = on_reply
        self.data_dir = Path(data_dir)
        self.version = version
        self.clock = clock
        self.started = clock()
        self.out_of_service = False
        self.service_message = ""
        self.last_error: str | None = None
        self.pending: list[CommandResult] = []
        self.results: list[CommandResult] = []  # every result, newest last (maintenance mode shows them)
        self.heartbeats_sent = 0
        # Command ids already carried out: the gateway sends a command again when its result did not reach it (a
        # lost reply), and a command is carried out once.
        self._carried_out: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def change_interval(self, interval_s: float) -> None:
        """Seconds between heartbeats, from the next wait on (a reloaded site file changes it)."""
        if not 0 < interval_s <= 3600:
            raise ValueError("interval_s must be in (0, 3600]")
        self.interval_s = interval_s

    @classmethod
    def from_config(cls, fleet_config, client, **kwargs) -> "FleetAgent":
        """From a config.schema.FleetConfig; kwargs are the providers and handlers (see the class docstring)."""
        return cls(client, interval_s=fleet_config.heartbeat_interval_s, **kwargs)

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fleet-agent", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the agent must outlive any bug in a provider or a handler
                logger.exception("fleet heartbeat tick failed")
            self._stop.wait(self.interval_s)

    # -- one round ----------------------------------------------------------------------------------------------
    def tick(self) -> list[CommandResult]:
        """Acknowledge, report, obey. Returns the results of the commands carried out in this tick."""
        with self._lock:
            acknowledged = self._deliver_results()
            try:
                if hasattr(self.client, "heartbeat_reply"):
                    reply = self.client.heartbeat_reply(self.payload(acknowledged))
                    commands = reply.get("commands") or []
                else:
                    reply, commands = {}, self.client.heartbeat(self.payload(acknowledged))
            except PlatformError as exc:
                self._note_error(f"heartbeat failed: {exc.message_key}")
                return []
            self.heartbeats_sent += 1
            done = []
            for command in commands:
                if not isinstance(command, dict):
                    continue
                command_id = str(command.get("command_id", ""))
                if command_id and command_id in self._carried_out:
                    logger.info("fleet command %s was already carried out: not again", command_id)
                    continue
                result = execute(command, self.handlers)
                if command_id:
                    self._carried_out[command_id] = None
                    while len(self._carried_out) > MAX_REMEMBERED_COMMANDS:
                        self._carried_out.popitem(last=False)
                if result.kind in ("out_of_service", "in_service") and result.ok:
                    self.out_of_service = result.kind == "out_of_service"
                    self.service_message = str((command.get("args") or {}).get("message", ""))[:200] \
                        if self.out_of_service else ""
                if not result.ok:
                    self._note_error(f"command {result.kind} failed: {result.detail}")
                logger.info("fleet command %s (%s): %s", result.command_id, result.kind,
                            "done" if result.ok else "failed")
                done.append(result)
            self.pending.extend(done)
            self.results = (self.results + done)[-MAX_PENDING_RESULTS:]
            if len(self.pending) > MAX_PENDING_RESULTS:  # a long outage: the oldest results are given up
                self.pending = self.pending[-MAX_PENDING_RESULTS:]
        if self.on_reply is not None:
            try:
                self.on_reply(reply)
            except Exception:  # e.g. a config that cannot be written: the next heartbeat tries again
                logger.exception("heartbeat reply handler failed")
        return done

    def _deliver_results(self) -> list[str]:
        delivered, kept = [], []
        for result in self.pending:
            try:
                self.client.post_event("command_result", f"command-result-{result.command_id}", result.finished_at,
                                       result.payload())
            except PlatformRejected as exc:
                # The gateway will never take it (unknown command, invalid): keeping it would block nothing but
                # would be retried for ever.
                logger.warning("command result %s refused: %s", result.command_id, exc.message_key)
            except PlatformError:
                kept.append(result)
                continue
            delivered.append(result.command_id)
        self.pending = kept
        return delivered

    def _note_error(self, text: str) -> None:
        self.last_error = scrub_text(text)[:200]

    def _read(self, fn, default):
        if fn is None:
            return default
        try:
            return fn()
        except Exception as exc:  # one broken provider must not stop the heartbeat
            logger.warning("heartbeat provider %s failed: %s", getattr(fn, "__name__", "?"), type(exc).__name__)
            return default

    def _devices(self) -> dict:
        if callable(self.devices):
            return dict(self._read(self.devices, {}) or {})
        return {device.name: device_report(device) for device in self.devices}

    def payload(self, acknowledged: list[str] | None = None) -> dict:
        uptime = max(0.0, self.clock() - self.started)
        last_error = self._read(self.last_error_source, None) or self.last_error
        body = {
            "devices": self._devices(),
            "stock": dict(self._read(self.stock, {}) or {}),
            "outbox_depth": int(self._read(self.outbox_depth, 0) or 0),
            "version": self.version,
            "uptime_s": round(uptime, 1),
            "uptime_human": str(dt.timedelta(seconds=int(uptime))),
            "heartbeat_interval_s": self.interval_s,
            "disk_free_pct": disk_free_pct(self.data_dir),
            "memory_used_pct": memory_used_pct(),
            "last_error": scrub_text(str(last_error))[:200] if last_error else None,
            "out_of_service": self.out_of_service,
            "service_message": self.service_message,
            "doors_open": list(self._read(self.doors_open, []) or []),
            "command_results": acknowledged or [],
        }
        if self.payload_extra is not None:
            for key, value in (self._read(self.payload_extra, {}) or {}).items():
                body.setdefault(key, value)
        if self.audit_head is not None:
            # The audit log's head ({"seq", "hash"}, None while it is empty): the gateway refuses one that goes
            # backwards. Not sent at all when it cannot be read, which the gateway takes as "not reported".
            head = self._read(self.audit_head, _UNREADABLE)
            if head is not _UNREADABLE:
                body["audit_head"] = head
        return body
