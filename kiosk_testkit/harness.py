"""Runs the kiosk (kiosk_testkit.kiosk_main) in a child process with the UI control channel on, for the demo, the UI tests and the bench.

One Kivy App per process: every test or demo run gets a fresh kiosk process, its own control socket and Kivy home
(so nothing is read from or written to ~/.kivy), and a virtual display when the machine has none.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from kiosk_testkit.control_client import ControlClient
from kiosk_testkit.processes import stop_process
from kiosk_testkit.xvfb import VirtualDisplay

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent


class KioskProcess:
    def __init__(self, config_path: str | Path, *, workdir: str | Path | None = None, env: dict | None = None,
                 log_path: str | Path | None = None, display: str | None = None):
        self.config_path = Path(config_path)
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="kiosk-ui-")
        self.workdir = Path(workdir or self._tmp.name)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.socket_path = self.workdir / "ui-control.sock"
        if len(str(self.socket_path)) > 100:  # a Unix socket path must fit in 108 bytes
            self._sock_dir = tempfile.TemporaryDirectory(prefix="kiosk-ctl-")
            self.socket_path = Path(self._sock_dir.name) / "ui.sock"
        self.log_path = Path(log_path) if log_path else self.workdir / "kiosk.log"
        self.extra_env = dict(env or {})
        self.display = display
        self._xvfb: VirtualDisplay | None = None
        self._process: subprocess.Popen | None = None
        self._log = None
        self.client = ControlClient(self.socket_path)

    def start(self, ready_timeout_s: float = 60.0) -> "KioskProcess":
        env = dict(os.environ)
        env.update({"KIVY_HOME": str(self.workdir / "kivy"),
                    "KIVY_NO_ARGS": "1", "PYTHONUNBUFFERED": "1"})
        env.update(self.extra_env)
        if self.display:
            env["DISPLAY"] = self.display
        elif not env.get("DISPLAY"):
            self._xvfb = VirtualDisplay().start()
            env["DISPLAY"] = self._xvfb.display
        self._log = open(self.log_path, "ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "kiosk_testkit.kiosk_main", "--config", str(self.config_path),
             "--control", str(self.socket_path)],
            cwd=str(REPO_ROOT), env=env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self.client.wait_ready(ready_timeout_s, alive=self.alive)
        except Exception:
            self.stop()
            raise
        return self

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self, timeout_s: float = 30.0) -> int | None:
        process, self._process = self._process, None
        code = None
        if process is not None:
            stop_process(process, timeout_s, kill_wait_s=30)  # a killed process is gone at once, unless swamped
            code = process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._xvfb is not None:
            self._xvfb.stop()
            self._xvfb = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        return code

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
