"""The running kiosk's side of an update: the health check of a trial release (required devices up, gateway
reachable, attract screen drawn) that confirms it or rolls it back, and installing an offered release at idle."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Callable

from kiosk.updates.bundle import BundleRefused, load_public_keys
from kiosk.updates.launch import VERSION_ENV
from kiosk.updates.releases import ROOT_ENV, Releases

logger = logging.getLogger(__name__)


def kiosk_checks(kiosk, config, drawn: Callable[[], bool]) -> Callable[[], list[str]]:
    """The problems keeping a kiosk from serving (empty: healthy)."""
    from kiosk.session import State

    required = {d.value for d in config.site.required_devices}

    def problems() -> list[str]:
        found = []
        for device in kiosk.devices:
            name = getattr(device, "name", "")
            status = getattr(getattr(device, "status", None), "value", "")
            if name in required and status != "online":
                found.append(f"{name} is {status or 'unknown'}")
        try:
            if kiosk.platform is None or kiosk.platform.health().get("status") != "ok":
                found.append("the gateway does not answer ok")
        except Exception as exc:  # PlatformError and the like: not reachable
            found.append(f"the gateway is not reachable ({type(exc).__name__})")
        if kiosk.session.state != State.ATTRACT or not drawn():
            found.append("the attract screen is not drawn")
        return found
    return problems


def terminate_self(_reason: str) -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # the supervisor (systemd) starts the kiosk again: the old release


class UpdateHealth:
    """Runs in a trial release: confirms it once checks() is empty, rolls back and ends the process if that does
    not happen within timeout_s; a confirmed release becomes stable after its window."""

    def __init__(self, releases: Releases, version: str, checks: Callable[[], list[str]], *, timeout_s: float = 120,
                 on_failed: Callable[[str], None] = terminate_self, interval_s: float = 0.5):
        self.releases = releases
        self.version = version
        self.checks = checks
        self.timeout_s = timeout_s
        self.on_failed = on_failed
        self.interval_s = interval_s
        self.outcome: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_env(cls, checks, **kwargs) -> "UpdateHealth | None":
        """Only under the launcher (kiosk.updates.launch sets the release root and version)."""
        root, version = os.environ.get(ROOT_ENV), os.environ.get(VERSION_ENV)
        if not root or not version:
            return None
        return cls(Releases(Path(root)), version, checks, **kwargs)

    def start(self) -> "UpdateHealth":
        self._thread = threading.Thread(target=self._run, name="update-health", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        state = self.releases.state()
        if state.get("state") == "trial" and state.get("to") == self.version:
            deadline = time.monotonic() + self.timeout_s
            problems = ["not checked"]
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    problems = self.checks()
                except Exception as exc:
                    problems = [f"the health check failed ({type(exc).__name__})"]
                if not problems:
                    break
                self._stop.wait(self.interval_s)
            if self._stop.is_set():
                return
            if problems:
                reason = "health check failed: " + "; ".join(problems)[:150]
                self.outcome = reason
                self.releases.rollback(reason)
                self.on_failed(reason)
                return
            self.releases.confirm()
            self.outcome = "healthy"
            logger.info("release %s passed its health check", self.version)
            state = self.releases.state()
        if state.get("state") == "healthy" and self.releases.current() == self.version:
            remaining = state.get("window_s", 300) - (self.releases.clock() - state.get("healthy_at", 0))
            if not self._stop.wait(max(0.0, remaining)):
                self.releases.settle()
                logger.info("release %s is stable", self.version)


class Updater:
    """The install_update fleet command: fetch the bundle, verify and install it beside the running release now,
    switch and restart only when no applicant is in session (idle())."""

    def __init__(self, releases: Releases, trusted_key_files, fetch: Callable[[str, Path], None],
                 idle: Callable[[], bool], restart: Callable[[str], None] = terminate_self, window_s: float = 300):
        self.releases = releases
        self.trusted = load_public_keys(trusted_key_files)
        self.fetch = fetch
        self.idle = idle
        self.restart = restart
        self.window_s = window_s
        self.ready: str | None = None  # installed, waiting for an idle moment
        self.restart_due: str | None = None  # switched, the process to restart at the next idle moment
        self._armed = False
        self._lock = threading.Lock()

    def install(self, args: dict) -> str:
        """args: {"version", "retry"}; fetch(version, path) downloads that release's bundle from the gateway. A
        release this kiosk rolled back is refused, unless staff resumed its rollout (retry: true) after fixing
        what failed: the mark is then cleared, so the heartbeats stop reporting the old failure."""
        version = str(args.get("version", ""))[:32]
        running = os.environ.get(VERSION_ENV) or self.releases.current()
        if version == running:
            return f"release {version} is already running"
        state = self.releases.state()
        if state.get("failed") == version:
            if args.get("retry") is not True:
                raise BundleRefused(f"release {version} was rolled back on this kiosk: {state.get('reason', '')}"[:200])
            logger.info("retrying release %s, rolled back before (%s)", version, state.get("reason", ""))
            self.releases.set_state(state="stable", current=self.releases.current())
        bundle = self.releases.root / "incoming.bundle"
        self.releases.root.mkdir(parents=True, exist_ok=True)
        self.fetch(version, bundle)
        try:
            manifest = self.releases.install(bundle, self.trusted, window_s=self.window_s)
        finally:
            bundle.unlink(missing_ok=True)
        if manifest.version != version:
            raise BundleRefused(f"the bundle is release {manifest.version}, not {version}")
        with self._lock:
            self.ready = manifest.version
        self.step()
        return f"release {manifest.version} installed; switching at the next idle moment"

    def step(self) -> str | None:
        """At an idle moment: switches to the installed release; at the next one (the command's result delivered
        by then), restarts into it. Never while an applicant is in session."""
        with self._lock:
            if not self.idle():
                return None
            if self.restart_due is not None:
                if not self._armed:  # the install command's result has not gone out yet
                    return None
                version, self.restart_due = self.restart_due, None
                restart = True
            elif self.ready is not None:
                version, self.ready = self.ready, None
                self.releases.switch(version, window_s=self.window_s)
                self.restart_due, self._armed = version, False
                return version
            else:
                return None
        if restart:
            self.restart(f"switching to release {version}")
        return version

    def on_reply(self, _reply) -> None:
        """After each heartbeat: a heartbeat after the switch has delivered the command's result first (the agent
        delivers results, then heartbeats), so the restart may come from the next one on."""
        with self._lock:
            if self.restart_due is not None and not self._armed:
                self._armed = True
                return
        self.step()


__all__ = ["UpdateHealth", "Updater", "kiosk_checks", "BundleRefused"]
