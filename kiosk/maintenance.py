"""The headless core of maintenance mode: staff credential check, counters, device self-tests, recent errors.

A staff member presents a staff card (the ID number read from the card reader) or a configured staff QR code, then
types a PIN. Card numbers, QR codes and PINs are configured only as scrypt hashes (hashlib.scrypt); a wrong PIN
counts towards a lockout. No UI here: the maintenance screens call these objects and render what they return.
"""
from __future__ import annotations

import base64
import collections
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from kiosk import events as ev
from kiosk.privacy import scrub_text

logger = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MAX_SECRET_BYTES = 512


# -- hashing ------------------------------------------------------------------------------------------------------
def hash_secret(secret: str) -> str:
    """'scrypt$n$r$p$salt$hash' for a PIN, a staff QR code or a staff card's ID number."""
    raw = secret.encode("utf-8")
    if not raw or len(raw) > MAX_SECRET_BYTES:
        raise ValueError("a secret is 1-512 bytes")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(raw, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "$".join(("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()))


def verify_secret(secret: str, stored: str | None) -> bool:
    if not stored or not secret:
        return False
    raw = secret.encode("utf-8")
    if len(raw) > MAX_SECRET_BYTES:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        if scheme != "scrypt" or not (2 <= n <= 2 ** 20 and 1 <= r <= 32 and 1 <= p <= 16):
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(raw, salt=base64.b64decode(salt, validate=True), n=n, r=r, p=p,
                                dklen=len(expected), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# -- staff credentials --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffCredential:
    staff_id: str
    pin_hash: str
    card_hash: str | None = None
    qr_hash: str | None = None

    @classmethod
    def from_config(cls, c) -> "StaffCredential":
        """From a config.schema.StaffCredentialConfig."""
        return cls(c.staff_id, c.pin_hash, c.card_hash, c.qr_hash)


class MaintenanceLocked(Exception):
    """Too many wrong PINs: entry is refused until `retry_in_s` has passed."""

    message_key = "maintenance_locked"

    def __init__(self, retry_in_s: float):
        super().__init__(f"maintenance entry locked for {int(retry_in_s)} s")
        self.retry_in_s = retry_in_s


@dataclass(frozen=True)
class CredentialOutcome:
    """ok: entry granted (staff_id set); otherwise message_key says why, for the screen."""

    ok: bool
    message_key: str
    staff_id: str | None = None


class StaffGate:
    """Two steps: present a card or QR code (who), then a PIN (proof). Counts wrong PINs and locks out."""

    def __init__(self, staff: Iterable[StaffCredential], *, max_failures: int = 5, lockout_s: float = 300,
                 clock: Callable[[], float] = time.monotonic):
        self.staff = tuple(staff)
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self.failures = 0
        self.locked_until = 0.0
        self._pending: StaffCredential | None = None

    @classmethod
    def from_config(cls, fleet_config, clock: Callable[[], float] = time.monotonic) -> "StaffGate":
        """From a config.schema.FleetConfig."""
        return cls([StaffCredential.from_config(c) for c in fleet_config.staff],
                   max_failures=fleet_config.pin_max_failures, lockout_s=fleet_config.pin_lockout_s, clock=clock)

    def _check_lock(self) -> None:
        left = self.locked_until - self.clock()
        if left > 0:
            raise MaintenanceLocked(left)

    def present_card(self, id_number: str) -> CredentialOutcome:
        """The ID number from the card on the reader. A non-staff card is simply not a staff credential."""
        self._check_lock()
        match = next((s for s in self.staff if verify_secret(id_number, s.card_hash)), None)
        return self._presented(match)

    def present_qr(self, code: str) -> CredentialOutcome:
        self._check_lock()
        match = next((s for s in self.staff if verify_secret(code, s.qr_hash)), None)
        return self._presented(match)

    def _presented(self, match: StaffCredential | None) -> CredentialOutcome:
        self._pending = match
        if match is None:
            logger.info("maintenance: a credential was presented that is not a staff credential")
            return CredentialOutcome(False, "not_staff_credential")
        return CredentialOutcome(False, "enter_pin")

    def enter_pin(self, pin: str) -> CredentialOutcome:
        self._check_lock()
        staff, self._pending = self._pending, None
        if staff is None:
            return CredentialOutcome(False, "present_credential_first")
        if not (pin.isdigit() and 4 <= len(pin) <= 12) or not verify_secret(pin, staff.pin_hash):
            self.failures += 1
            logger.warning("maintenance: wrong PIN for staff %s (%d in a row)", staff.staff_id, self.failures)
            if self.failures >= self.max_failures:
                self.failures = 0
                self.locked_until = self.clock() + self.lockout_s
                logger.warning("maintenance entry locked for %d s", int(self.lockout_s))
                raise MaintenanceLocked(self.lockout_s)
            return CredentialOutcome(False, "wrong_pin")
        self.failures = 0
        logger.info("maintenance: staff %s signed in", staff.staff_id)
        return CredentialOutcome(True, "maintenance_granted", staff.staff_id)

    def cancel(self) -> None:
        self._pending = None


def maintenance_event(outcome: CredentialOutcome) -> ev.MaintenanceRequested | None:
    """The session event for a granted entry (post it to kiosk.runtime.Runtime)."""
    return ev.MaintenanceRequested(staff_id=outcome.staff_id) if outcome.ok and outcome.staff_id else None


# -- counters -----------------------------------------------------------------------------------------------------
class Counters:
    """Paper used, blanks left, jobs today, locker deposits; kept in a small JSON file so a restart keeps them."""

    def __init__(self, path: Path | None = None, *, today: Callable[[], dt.date] = dt.date.today):
        self.path = Path(path) if path else None
        self.today = today
        self._lock = threading.Lock()
        self.data = {"paper_used_mm": 0, "paper_loaded_at": None, "blanks_left": 0, "jobs_day": today().isoformat(),
                     "jobs_today": {}, "locker_deposits_loaded": 0}
        if self.path and self.path.exists():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(stored, dict):
                    self.data.update({k: v for k, v in stored.items() if k in self.data})
            except (OSError, ValueError):
                logger.warning("maintenance counters unreadable; starting from zero")

    def _roll_day(self) -> None:
        day = self.today().isoformat()
        if self.data["jobs_day"] != day:
            self.data["jobs_day"], self.data["jobs_today"] = day, {}

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data), encoding="utf-8")
        os.replace(tmp, self.path)

    def record_job(self, kind: str, paper_mm: int = 0, blanks: int = 0) -> None:
        if paper_mm < 0 or blanks < 0:
            raise ValueError("paper and blanks used cannot be negative")
        with self._lock:
            self._roll_day()
            jobs = self.data["jobs_today"]
            jobs[kind] = jobs.get(kind, 0) + 1
            self.data["paper_used_mm"] += paper_mm
            self.data["blanks_left"] = max(0, self.data["blanks_left"] - blanks)
            self._save()

    def load_paper(self) -> None:
        with self._lock:
            self.data["paper_used_mm"] = 0
            self.data["paper_loaded_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            self._save()

    def load_blanks(self, count: int) -> None:
        if not 0 <= count <= 10_000:
            raise ValueError("a blank-certificate count is 0-10000")
        with self._lock:
            self.data["blanks_left"] = count
            self._save()

    def load_deposits(self, count: int) -> None:
        if not 0 <= count <= 1_000:
            raise ValueError("a deposit count is 0-1000")
        with self._lock:
            self.data["locker_deposits_loaded"] += count
            self._save()

    def snapshot(self) -> dict:
        with self._lock:
            self._roll_day()
            data = json.loads(json.dumps(self.data))
        data["jobs_today_total"] = sum(data["jobs_today"].values())
        return data


# -- device self-tests --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelfTestResult:
    name: str
    ok: bool
    detail: str
    duration_s: float


@dataclass
class SelfTests:
    """name -> a callable that tests one device and returns a short outcome (truthy text) or raises on failure.
    A callable may return (ok: bool, detail: str) instead."""

    tests: dict[str, Callable[[], object]] = field(default_factory=dict)

    def add(self, name: str, test: Callable[[], object]) -> None:
        self.tests[name] = test

    def names(self) -> list[str]:
        return sorted(self.tests)

    def run(self, name: str) -> SelfTestResult:
        test = self.tests.get(name)
        if test is None:
            return SelfTestResult(name, False, "no such test", 0.0)
        started = time.monotonic()
        try:
            outcome = test()
        except Exception as exc:  # a failing device is a result to show, not a crash of maintenance mode
            logger.warning("self-test %s failed: %s", name, type(exc).__name__)
            return SelfTestResult(name, False, scrub_text(f"{type(exc).__name__}: {exc}")[:200],
                                  time.monotonic() - started)
        if isinstance(outcome, tuple) and len(outcome) == 2:
            ok, detail = bool(outcome[0]), scrub_text(str(outcome[1]))[:200]
        else:
            ok, detail = True, scrub_text(str(outcome))[:200] if outcome else "ok"
        logger.info("self-test %s: %s", name, "passed" if ok else "failed")
        return SelfTestResult(name, ok, detail, time.monotonic() - started)


def receipt_test_page(printer, kiosk_id: str, version: str) -> Callable[[], tuple[bool, str]]:
    """A self-test (and the fleet command print_test_page) for a peripherals.printer.ReceiptPrinter."""
    from peripherals.printer.layout import Cut, Feed, Rule, Text

    def test() -> tuple[bool, str]:
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        code = printer.print_elements([Text("测试页 TEST PAGE", align="center", bold=True), Rule(),
                                       Text(f"kiosk {kiosk_id}"), Text(f"version {version}"), Text(now),
                                       Feed(2), Cut()])
        return code.value == "success", f"test page: {code.value}"
    return test


def counters_stock(counters: "Counters") -> Callable[[], dict]:
    """A heartbeat stock provider from the maintenance counters."""
    def stock() -> dict:
        data = counters.snapshot()
        return {"blank_certificates": data["blanks_left"], "paper_used_mm": data["paper_used_mm"],
                "jobs_today": data["jobs_today_total"]}
    return stock


# -- recent errors ------------------------------------------------------------------------------------------------
class RecentErrors(logging.Handler):
    """Keeps the last warnings and errors, masked, for the maintenance screen (attach to the root logger)."""

    def __init__(self, capacity: int = 50):
        super().__init__(level=logging.WARNING)
        self.entries: collections.deque[dict] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = scrub_text(record.getMessage())[:300]
        except Exception:
            message = "(unformattable log record)"
        self.entries.append({"at": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
                             .isoformat(timespec="seconds"), "level": record.levelname,
                             "source": record.name, "message": message})

    def recent(self) -> list[dict]:
        return list(self.entries)

    def last(self) -> str | None:
        return self.entries[-1]["message"] if self.entries else None


def main(argv: list[str] | None = None) -> int:
    """`python -m kiosk.maintenance hash-secret`: reads a PIN, QR code or card number from stdin, prints its hash."""
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["hash-secret"]:
        print("usage: python -m kiosk.maintenance hash-secret  (the secret is read from stdin)", file=sys.stderr)
        return 1
    secret = sys.stdin.readline().rstrip("\r\n")
    try:
        print(hash_secret(secret))
    except ValueError as exc:
        print(f"kiosk.maintenance: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
