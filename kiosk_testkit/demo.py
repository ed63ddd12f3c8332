"""The demo stack: the gateway with demo data, the ID card simulator on a pty, a demo site config, the kiosk UI.

Used by scripts/demo.py (`make demo`), the end-to-end UI tests and the cold-start bench. Everything started here is
bound to 127.0.0.1 on a free port or to files under the given directory, and is stopped by stop().
"""
from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

from kiosk_testkit.harness import REPO_ROOT, KioskProcess
from kiosk_testkit.processes import stop_process

logger = logging.getLogger(__name__)

HALL_PROFILE = REPO_ROOT / "config" / "profiles" / "hall.toml"
LOCKER_PROFILE = REPO_ROOT / "config" / "profiles" / "locker.toml"
# The demo locker: one Kerong board 0 whose locks 1-6 are compartments A01-A06 (medium).
DEMO_COMPARTMENTS = [{"label": f"A{lock:02d}", "board": 0, "lock": lock, "size": "medium"} for lock in range(1, 7)]
DEMO_SITE_NAME = "不动产登记中心 自助服务区（演示）"


class DemoError(Exception):
    """A part of the demo stack could not start; the message says which and where its log is."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


class DemoGateway:
    """`kiosk-gateway --demo` on loopback with a fresh SQLite database; credentials read from its output file."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.credentials_path = self.workdir / "gateway-credentials.json"
        self.log_path = self.workdir / "gateway.log"
        self.database = self.workdir / "gateway.db"
        self._process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout_s: float = 90.0) -> "DemoGateway":
        self.workdir.mkdir(parents=True, exist_ok=True)
        wal = self.database.with_name(self.database.name + "-wal")
        shm = self.database.with_name(self.database.name + "-shm")
        for stale in (self.database, wal, shm, self.credentials_path):
            if stale.exists():
                stale.unlink()
        self._log = open(self.log_path, "ab")
        self._process = subprocess.Popen(
            [_bin("kiosk-gateway"), "--demo", "--host", "127.0.0.1", "--port", str(self.port),
             "--database", f"sqlite:///{self.database}", "--credentials-out", str(self.credentials_path)],
            cwd=str(REPO_ROOT), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self._process.poll()
            if status is not None:
                self.stop()
                raise DemoError(f"the gateway exited (status {status}); see {self.log_path}")
            if self.credentials_path.exists() and self._healthy():
                return self
            time.sleep(0.2)
        self.stop()
        raise DemoError(f"the gateway did not start in {timeout_s:.0f} s; see {self.log_path}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/v1/health", timeout=2) as response:
                return json.load(response).get("status") == "ok"
        except (OSError, ValueError):
            return False

    def credentials(self, site_kind: str = "hall") -> dict:
        entries = json.loads(self.credentials_path.read_text(encoding="utf-8"))
        for entry in entries:
            if entry.get("site_kind") == site_kind:
                return entry
        raise DemoError(f"the gateway's demo credentials have no {site_kind} kiosk")

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_process(process, 10)
        if self._log is not None:
            self._log.close()
            self._log = None


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table: the tables inside a list (the locker's compartments)
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_toml(data: dict, prefix: str = "") -> str:
    """Enough TOML for a site profile: nested tables of scalars and lists."""
    lines, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    out = ""
    if lines:
        out += (f"[{prefix}]\n" if prefix else "") + "\n".join(lines) + "\n\n"
    for key, value in tables:
        out += dump_toml(value, f"{prefix}.{key}" if prefix else key)
    return out


def demo_site_config(workdir: Path, *, card_port: str | None, gateway_url: str | None = None,
                     kiosk_id: str = "demo-hall-01", api_key: str | None = None, language: str = "zh_CN",
                     extra: dict | None = None, profile_path: Path = HALL_PROFILE) -> Path:
    """A site profile (the hall's unless told) made into a demo: card-only identity, only the card reader enabled,
    the demo gateway; `extra` overrides sections (a locker demo enables its scanner and lock board there)."""
    profile = tomllib.loads(Path(profile_path).read_text(encoding="utf-8"))
    site = {**profile["site"], "id": kiosk_id, "name": DEMO_SITE_NAME, "demo": True,
            "required_devices": ["card_reader"] if card_port else []}
    devices = {name: {"enabled": False} for name in ("scanner", "camera", "receipt_printer", "document_printer",
                                                     "certificate_printer", "locker")}
    devices["card_reader"] = ({"enabled": True, "port": card_port, "baud": 115200, "poll_interval_s": 0.2}
                              if card_port else {"enabled": False})
    config = {
        "site": site,
        "devices": devices,
        "gateway": {"url": gateway_url or "http://127.0.0.1:9", "kiosk_id": kiosk_id,
                    **({"api_key": api_key} if api_key else {}), "timeout_s": 5.0},
        "identity": {"method": "card_only_demo"},
        "ui": {**profile.get("ui", {}), "language": language},
        "storage": {"data_dir": str(workdir / "data")},
    }
    for section, values in (extra or {}).items():
        config[section] = {**config.get(section, {}), **values}
    path = workdir / "site.toml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# Written by the demo: the {Path(profile_path).stem} profile with demo overrides.\n"
                    + dump_toml(config),
                    encoding="utf-8")
    return path


class DemoStack:
    """Gateway + ID card simulator + demo config + kiosk UI, started in that order and stopped in reverse."""

    def __init__(self, workdir: Path, display: str | None = None, language: str = "zh_CN",
                 with_gateway: bool = True, config_extra: dict | None = None, scanner: bool = False,
                 site: str = "hall", locker_load: tuple[str, ...] = ()):
        """scanner: also a QR scanner simulator on a pty (self.scanner.scan(code) sends a code as a scan).
        site "locker": the pickup locker profile, with the scanner and a Kerong lock board simulator on a pty
        (self.locker) whose locks 1-6 are the compartments A01-A06; locker_load: demo persons (docs/demo-persons.md
        keys) whose ready certificate staff put in before the kiosk starts (self.deposits[person]: compartment,
        code_id, qr, digits)."""
        self.workdir = Path(workdir)
        self.config_extra = config_extra
        self.site = site
        self.with_scanner = scanner or site == "locker"
        self.scanner = None
        self.locker = None
        self.locker_load = tuple(locker_load)
        self.deposits: dict[str, dict] = {}
        self.display = display
        self.language = language
        self.gateway = DemoGateway(self.workdir) if with_gateway else None
        self.simulator = None
        self.kiosk: KioskProcess | None = None
        self.config_path: Path | None = None

    def start(self) -> "DemoStack":
        from peripherals.idcard import IdCardSimulator

        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            credentials = {}
            if self.gateway is not None:
                self.gateway.start()
                credentials = self.gateway.credentials(self.site)
            self.simulator = IdCardSimulator(link=self.workdir / "dev" / "idcard").start()
            extra = dict(self.config_extra or {})
            if self.with_scanner:
                from peripherals.scanner.simulator import ScannerSimulator

                self.scanner = ScannerSimulator(link=self.workdir / "dev" / "scanner").start()
                devices = dict(extra.get("devices", {}))
                devices["scanner"] = {"enabled": True, "port": str(self.scanner.path), "baud": self.scanner.baud,
                                      **devices.get("scanner", {})}
                extra["devices"] = devices
            if self.site == "locker":
                extra = self._with_locker(extra)
            self.config_path = demo_site_config(
                self.workdir, card_port=self.simulator.path,
                gateway_url=self.gateway.url if self.gateway else None,
                kiosk_id=credentials.get("kiosk_id", f"demo-{self.site}-01"), api_key=credentials.get("api_key"),
                language=self.language, extra=extra,
                profile_path=LOCKER_PROFILE if self.site == "locker" else HALL_PROFILE)
            if self.locker_load:
                self._load_locker()
            self.kiosk = KioskProcess(self.config_path, workdir=self.workdir, display=self.display,
                                      log_path=self.workdir / "kiosk.log").start()
        except BaseException:
            self.stop()
            raise
        return self

    def _with_locker(self, extra: dict) -> dict:
        """The lock board simulator on a pty, and the config sections that enable it (config_extra's win)."""
        from peripherals.locker import KerongSimulator

        self.locker = KerongSimulator((0,), link=self.workdir / "dev" / "locker").start()
        devices = dict(extra.get("devices", {}))
        devices["locker"] = {"enabled": True, "port": str(self.locker.path), "protocol": "kerong", "boards": [0],
                             "compartments": DEMO_COMPARTMENTS, **devices.get("locker", {})}
        site = {"required_devices": ["card_reader", "scanner", "locker"], **extra.get("site", {})}
        return {**extra, "devices": devices, "site": site}

    def _load_locker(self) -> None:
        """Staff deposits of the demo persons' ready certificates, through the kiosk's own locker parts."""
        from config import load_config
        from gateway.seed import demo_person
        from kiosk.pickup.demo_loading import load_certificates
        from kiosk.platform_client import PlatformClient

        hall = self.gateway.credentials("hall")
        client = PlatformClient(self.gateway.url, hall["api_key"], kiosk_id=hall["kiosk_id"])
        try:
            cases = {}
            for person in self.locker_load:
                token = client.issue_applicant_token(demo_person(person).id_number, "card_only_demo", None)
                cases[person] = next(c.case_id for c in client.list_cases(token) if c.status == "certificate_ready")
        finally:
            client.close()
        loaded = load_certificates(load_config(self.config_path, env={}), list(cases.values()), self.locker)
        self.deposits = {person: loaded[case_id] for person, case_id in cases.items()}

    @property
    def client(self):
        return self.kiosk.client

    def stop(self) -> None:
        if self.kiosk is not None:
            self.kiosk.stop()
        if self.simulator is not None:
            self.simulator.stop()
        if self.scanner is not None:
            self.scanner.stop()
        if self.locker is not None:
            self.locker.stop()
        if self.gateway is not None:
            self.gateway.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def environment_problems() -> list[str]:
    """What is missing on this machine for the UI demo, in words that say how to fix it."""
    from screens.fonts import FontNotFound, find_font

    problems = []
    try:
        find_font(None)
    except FontNotFound as exc:
        problems.append(str(exc))
    if not os.environ.get("DISPLAY"):
        from shutil import which

        if which("Xvfb") is None:
            problems.append("no display and no Xvfb: run `make system-deps` (Debian package xvfb)")
    return problems
