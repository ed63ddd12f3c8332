"""The real gateway (`kiosk-gateway --demo`) as a child process on a free loopback port, stoppable and restartable."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk_testkit.demo import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
KIOSK_ID = "demo-hall-01"


class GatewayProcess:
    """`start()` seeds the demo on first use; later starts reuse the same database, port and kiosk key."""

    def __init__(self, workdir: Path, port: int | None = None, database: str | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.workdir / "gateway.db"
        self.database = database or f"sqlite:///{self.db_path}"  # events() reads the SQLite file only
        self.credentials_path = self.workdir / "credentials.json"
        self.log_path = self.workdir / "gateway.log"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_key: str | None = None
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        args = [sys.executable, "-m", "gateway.cli", "--host", "127.0.0.1", "--port", str(self.port),
                "--database", self.database, "--rate-limit-per-minute", "0", "--log-level", "WARNING"]
        if self.api_key is None:
            args += ["--demo", "--credentials-out", str(self.credentials_path)]
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"gateway did not answer within {timeout_s} s; see {self.log_path}")
        if self.api_key is None:
            creds = json.loads(self.credentials_path.read_text())
            self.api_key = next(c["api_key"] for c in creds if c["kiosk_id"] == KIOSK_ID)

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout_s)
        self.proc = None

    def events(self, kiosk_id: str = KIOSK_ID) -> list[tuple[str, str, dict]]:
        """What the gateway holds, read from its own database: (idempotency key, kind, payload), in arrival order."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT idempotency_key, kind, payload FROM kiosk_events WHERE kiosk_id = ? "
                                "ORDER BY id", (kiosk_id,)).fetchall()
        finally:
            conn.close()
        return [(key, kind, json.loads(payload) if isinstance(payload, str) else payload)
                for key, kind, payload in rows]
