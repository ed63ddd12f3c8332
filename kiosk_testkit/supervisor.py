"""A process supervisor standing in for systemd in tests: starts a command, starts it again whenever it exits
(Restart=always, RestartSec), gives up after StartLimitBurst starts in StartLimitIntervalSec, stops it on request."""
from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from kiosk_testkit.processes import stop_process


class Supervisor:
    def __init__(self, argv: list[str], *, env: dict, cwd: Path, log: Path, restart_s: float = 0.3,
                 burst: int = 8, interval_s: float = 60.0, before_start=None):
        """before_start(): called before each start (a test changes the world the next process starts into)."""
        self.argv, self.env, self.cwd, self.log_path = argv, env, cwd, log
        self.before_start = before_start
        self.restart_s, self.burst, self.interval_s = restart_s, burst, interval_s
        self.starts: list[float] = []
        self.exits: list[int] = []
        self.process: subprocess.Popen | None = None
        self.gave_up = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Supervisor":
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        with open(self.log_path, "ab") as log:
            while not self._stop.is_set():
                now = time.monotonic()
                recent = [t for t in self.starts if now - t < self.interval_s]
                if len(recent) >= self.burst:
                    self.gave_up = True
                    return
                self.starts.append(now)
                if self.before_start is not None:
                    self.before_start()
                self.process = subprocess.Popen(self.argv, env=self.env, cwd=str(self.cwd), stdout=log,
                                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                code = self.process.wait()
                self.exits.append(code)
                if self._stop.wait(self.restart_s):
                    return

    def kill(self) -> None:
        """A power cut for the process: SIGKILL, no clean-up (the supervisor starts it again)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()

    def stop(self) -> None:
        self._stop.set()
        stop_process(self.process, 10)
        if self._thread is not None:
            self._thread.join(15)
