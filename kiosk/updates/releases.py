"""The kiosk's release folder: versioned directories, the `current` and `previous` symlinks switched atomically, and
the update state (trial, healthy, rolled back) that survives a power cut."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kiosk.durable_json import fsync_dir, write_json_atomically
from kiosk.updates.bundle import BundleRefused, Manifest, verify_bundle

logger = logging.getLogger(__name__)

STATE_FILE = "update-state.json"
ROOT_ENV = "KIOSK_RELEASE_ROOT"
# The config schema version this software reads (config/schema.py); a bundle for another one is refused, since a
# site file would need changing with it (not done by an update).
CONFIG_SCHEMA = 1


class Releases:
    """root/releases/<version>/site (the installed wheels), root/current and root/previous (symlinks), and
    root/update-state.json: {"state": "stable" | "trial" | "healthy" | "rolled_back" | "failed", ...}."""

    def __init__(self, root: Path, clock=time.time):
        self.root = Path(root)
        self.dir = self.root / "releases"
        self.clock = clock

    # -- reading ----------------------------------------------------------------------------------------------------
    def state(self) -> dict:
        try:
            return json.loads((self.root / STATE_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"state": "stable"}
        except (OSError, ValueError):
            logger.warning("update state unreadable: taken as stable on the current version")
            return {"state": "stable"}

    def set_state(self, **state) -> dict:
        write_json_atomically(self.root / STATE_FILE, state)
        return state

    def version_of(self, link: str) -> str | None:
        target = self.root / link
        return Path(os.readlink(target)).name if target.is_symlink() else None

    def current(self) -> str | None:
        return self.version_of("current")

    def site_dir(self, version: str) -> Path:
        return self.dir / version / "site"

    def installed(self) -> list[str]:
        return sorted(p.name for p in self.dir.iterdir() if p.is_dir() and not p.name.endswith(".partial")) \
            if self.dir.exists() else []

    # -- changing ---------------------------------------------------------------------------------------------------
    def _link(self, name: str, version: str) -> None:
        """Points root/<name> at releases/<version> in one rename: never missing, never half-made."""
        tmp = self.root / f".{name}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(Path("releases") / version, tmp)
        os.replace(tmp, self.root / name)
        fsync_dir(self.root)

    def install_first(self, bundle: Path, trusted: list) -> str:
        """A kiosk's first installation (the installer's, and tests'): the release becomes current, stable."""
        self.dir.mkdir(parents=True, exist_ok=True)
        manifest = self.install(bundle, trusted)
        self._link("current", manifest.version)
        self.set_state(state="stable", current=manifest.version)
        return manifest.version

    def recover(self) -> None:
        """At every start, before the kiosk runs: removes what a power cut left half-installed, finishes or undoes a
        switch cut in the middle, and rolls back a trial version that stopped before it was found healthy or
        crashed within its window."""
        if self.dir.exists():
            for partial in self.dir.glob("*.partial"):
                logger.warning("removing the half-installed release %s", partial.name)
                shutil.rmtree(partial, ignore_errors=True)
        state = self.state()
        current = self.current()
        if state.get("state") == "switching":
            # The new version was installed, the switch may or may not have happened: it starts as a trial.
            if current != state.get("to"):
                self._link("previous", current) if current else None
                self._link("current", state["to"])
            state = self.set_state(state="trial", to=state["to"], previous=state.get("previous"),
                                   since=self.clock(), starts=0, window_s=state.get("window_s", 300))
        if state.get("state") == "trial":
            if state.get("starts", 0) >= 1:
                self.rollback("the new version stopped before its health check passed")
                return
            self.set_state(**{**state, "starts": state.get("starts", 0) + 1})
        elif state.get("state") == "healthy":
            if self.clock() - state.get("healthy_at", 0) < state.get("window_s", 300):
                self.rollback("the new version crashed within its window")
            else:
                self.set_state(state="stable", current=current)

    def install(self, bundle: Path, trusted: list, window_s: float = 300) -> Manifest:
        """Verifies the bundle and installs its wheels beside the running version (releases/<v>.partial, renamed
        when complete). Nothing switches yet: switch() does, at an idle moment."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / ".incoming.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        manifest = verify_bundle(bundle, trusted, into=tmp / "wheels")
        if manifest.config_schema != CONFIG_SCHEMA:
            shutil.rmtree(tmp, ignore_errors=True)
            raise BundleRefused(f"the release reads config schema {manifest.config_schema}; this kiosk's site file "
                                f"is schema {CONFIG_SCHEMA}")
        if manifest.version == self.current():
            shutil.rmtree(tmp, ignore_errors=True)
            raise BundleRefused(f"version {manifest.version} is the one running")
        partial = self.dir / f"{manifest.version}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        wheels = sorted((tmp / "wheels").glob("*.whl"))
        result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
                                 "--disable-pip-version-check", "--target", str(partial / "site"),
                                 *map(str, wheels)], capture_output=True, text=True)
        shutil.rmtree(tmp, ignore_errors=True)
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise BundleRefused("its wheels did not install: " + (result.stderr.strip().splitlines() or ["?"])[-1][:150])
        final = self.dir / manifest.version
        shutil.rmtree(final, ignore_errors=True)
        os.replace(partial, final)
        fsync_dir(self.dir)
        logger.info("release %s installed beside %s", manifest.version, self.current())
        return manifest

    def switch(self, version: str, window_s: float = 300) -> None:
        """Makes `version` current (the old one previous) as a trial; the process is then restarted into it."""
        if not (self.dir / version).is_dir():
            raise BundleRefused(f"release {version} is not installed")
        old = self.current()
        self.set_state(state="switching", to=version, previous=old, window_s=window_s)
        if old:
            self._link("previous", old)
        self._link("current", version)
        self.set_state(state="trial", to=version, previous=old, since=self.clock(), starts=0, window_s=window_s)
        logger.info("switched to release %s (trial; %s kept to roll back to)", version, old)

    def confirm(self) -> None:
        """The running trial version passed its health check; a crash within its window still rolls it back."""
        state = self.state()
        if state.get("state") == "trial":
            self.set_state(**{**state, "state": "healthy", "healthy_at": self.clock()})

    def settle(self) -> None:
        """The window passed without a crash: the version is stable."""
        state = self.state()
        if state.get("state") == "healthy":
            self.set_state(state="stable", current=self.current())

    def rollback(self, reason: str) -> str | None:
        state = self.state()
        previous = state.get("previous") or self.version_of("previous")
        failed = state.get("to") or self.current()
        if not previous or not (self.dir / previous).is_dir():
            self.set_state(state="failed", version=failed, reason=reason[:200])
            logger.error("release %s failed (%s) and there is no version to roll back to", failed, reason)
            return None
        self._link("current", previous)
        self.set_state(state="rolled_back", current=previous, failed=failed, reason=reason[:200], at=self.clock())
        logger.warning("rolled back from release %s to %s: %s", failed, previous, reason)
        return previous

    def report(self) -> dict:
        """For the heartbeat: the running release (the launcher's, else the current link) and the update state."""
        state = self.state()
        running = os.environ.get("KIOSK_RELEASE_VERSION") or self.current()
        return {"release": running, "update_state": state.get("state"),
                "update_detail": {k: state[k] for k in ("to", "failed", "reason") if k in state}}
