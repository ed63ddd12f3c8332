"""A real gateway on loopback for tests (this project's and other teams'): demo data, a free port, clean shutdown.

    with LiveGateway(tmp_path) as gw:
        client = PlatformClient(gw.base_url, gw.api_key("demo-hall-01"))
"""
from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
from pathlib import Path

import uvicorn

from gateway.app import create_app
from gateway.db import make_engine, make_sessionmaker
from gateway.seed import demo_credentials, seed_demo
from gateway.settings import GatewaySettings
from gateway.slow_clients import uvicorn_options

logger = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, server, timeout_s: float = 60.0) -> bool:
    """Until a gateway started as a process (`server`, a Popen) answers /v1/health; False if it died or timed out."""
    import requests

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if requests.get(f"{base_url}/v1/health", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)


class LiveGateway:
    """Starts uvicorn in a thread over a fresh SQLite file in `directory` (or the given engine)."""

    def __init__(self, directory: Path | None = None, *, engine=None, settings: GatewaySettings | None = None,
                 port: int | None = None, demo: bool = True, tls: dict | None = None):
        """`tls`: uvicorn's ssl_* options (ssl_certfile, ssl_keyfile, ssl_ca_certs, ssl_cert_reqs) for HTTPS."""
        self.port = port or free_port()
        self.tls = tls or {}
        self.base_url = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        base = settings or GatewaySettings()
        url = base.database_url if directory is None else f"sqlite:///{Path(directory) / 'gateway.db'}"
        self.settings = dataclasses.replace(base, database_url=url, public_base_url=self.base_url)
        self.engine = engine if engine is not None else make_engine(self.settings.database_url)
        self.demo = demo
        self.credentials: list[dict] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def api_key(self, kiosk_id: str) -> str:
        return next(c["api_key"] for c in self.credentials if c["kiosk_id"] == kiosk_id)

    def sessionmaker(self):
        return make_sessionmaker(self.engine)

    def start(self) -> "LiveGateway":
        self.app = create_app(self.settings, engine=self.engine)
        if self.demo:
            with make_sessionmaker(self.engine)() as db:
                seed_demo(db)
                from gateway.staff_assist import seed_demo_staff  # staff-assisted checks (issue 21)

                seed_demo_staff(db, self.settings.audit_seal_key)
                self.credentials = demo_credentials(db)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_config=None, access_log=False,
                                lifespan="off", timeout_graceful_shutdown=2,
                                **{**uvicorn_options(self.settings.head_read_timeout_s), **self.tls})
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="live-gateway", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> "LiveGateway":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
