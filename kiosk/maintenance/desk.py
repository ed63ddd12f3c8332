"""The maintenance desk: everything the maintenance screens show and do, headless and tested without a screen.

The session's staff part asks for the actions below (`perform`, a runtime handler of RunDeskAction) and the
`snapshot()` that follows each comes back to the screens in the view; an action that touches a device, the ledger or
the gateway runs on the desk's own worker thread, and its outcome appears in the next snapshot. Cards and
codes read while the kiosk is in maintenance mode come here (kiosk.maintenance.signin routes them), and are only
ever kept masked.
"""
from __future__ import annotations

import datetime as dt
import errno
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from kiosk import __version__
from kiosk import events as ev
from kiosk.maintenance.counters import Counters
from kiosk.maintenance.errors import RecentErrors
from kiosk.maintenance.selftests import SelfTests
from kiosk.privacy import mask_id_number, mask_name, scrub_text

logger = logging.getLogger(__name__)

DEPOSIT_SIZES = ("small", "medium", "large")
MAX_CODE_FIELD = 64
# Tests that wait for staff to use the device: the message shown meanwhile.
PASSIVE_TESTS = {"card_reader": "maint.place_card", "scanner": "maint.scan_code"}
# Devices tested on their own maintenance page (kiosk.maintenance.session_part.MAINTENANCE_PAGES).
TEST_PAGES = {"camera": "camera", "locker": "locker"}


def mask_code(code: str) -> str:
    """A scanned code as staff may see it: its kind of start and end, never the whole (it may be a credential)."""
    code = str(code).strip()
    shown = min(4, len(code) // 6)  # at most a third of it, and never more than 4 characters at each end
    if shown == 0:
        return "*" * min(12, len(code))
    return code[:shown] + "*" * min(12, len(code) - 2 * shown) + code[-shown:]


@dataclass
class DeskAction:
    """The last run of one action (a test, a load, a deposit, a door): shown on its page until the next run."""

    name: str
    running: bool = True
    ok: bool | None = None
    message_key: str = "maint.running"
    detail: str = ""
    at: str = field(default_factory=lambda: dt.datetime.now().strftime("%H:%M:%S"))

    def as_dict(self) -> dict:
        return {"name": self.name, "running": self.running, "ok": self.ok, "message_key": self.message_key,
                "detail": self.detail, "at": self.at}


class MaintenanceDesk:
    """device_rows: () -> [{"name", "status", "reason"}] for every configured device (disabled ones too);
    outbox_depth / online: read at each snapshot; ledger: a kiosk.documents.ledger.BlankLedger or None;
    locker: () -> kiosk.pickup.assembly.LockerParts or None; camera: a peripherals.camera.Camera or None;
    fleet: () -> the kiosk.fleet.FleetAgent or None (built after the desk, whose status it reports)."""

    def __init__(self, *, device_rows: Callable[[], list[dict]], counters: Counters | None = None,
                 tests: SelfTests | None = None, recent_errors: RecentErrors | None = None,
                 outbox_depth: Callable[[], int] | None = None, online: Callable[[], bool] | None = None,
                 ledger=None, locker: Callable[[], object | None] | None = None, camera=None,
                 fleet: Callable[[], object | None] | None = None,
                 kiosk_id: str = "", version: str = __version__, staff_id: Callable[[], str | None] | None = None,
                 preview=None, blanks_kept: bool = True):
        self.device_rows = device_rows
        self.counters = counters or Counters()
        self.tests = tests or SelfTests()
        self.recent_errors = recent_errors
        self.outbox_depth = outbox_depth
        self.online = online
        self.ledger = ledger
        self.locker = locker or (lambda: None)
        self.camera = camera
        self.fleet = fleet or (lambda: None)
        self.kiosk_id = kiosk_id
        self.version = version
        self.staff_id = staff_id or (lambda: None)
        self.preview = preview  # kiosk.maintenance.preview.CameraPreview: the camera page's frames, or None
        self.blanks_kept = blanks_kept  # False: this kiosk has no certificate printer, so no blank stock to show
        self.actions: dict[str, DeskAction] = {}
        self.last_card: dict | None = None
        self.last_code: str | None = None  # masked
        self.deposit_case: str | None = None  # a case number from the scanned barcode: not personal data
        self.blank_fields = {"first": "", "last": ""}
        self.blank_field = "first"
        self.scan_target: str | None = None  # "blanks" or "deposit": what a scan fills besides the scanner test
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="maintenance")
        self._last_state: str | None = None
        self.recalls: list = []  # kiosk.pickup.recall.RecallDue: deposits left past the site's limit

    def close(self) -> None:
        self.stop_preview()
        self._worker.shutdown(wait=False, cancel_futures=True)

    # -- reading ------------------------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """What every maintenance page shows, as plain data; never raises (a failing source shows as unknown)."""
        with self._lock:
            actions = {name: action.as_dict() for name, action in self.actions.items()}
            card, code = dict(self.last_card) if self.last_card else None, self.last_code
            blank_fields, blank_field = dict(self.blank_fields), self.blank_field
            deposit_case = self.deposit_case
        return {
            "devices": self._device_rows(),
            "tests": sorted(set(self.tests.names()) | set(PASSIVE_TESTS)),
            "actions": actions,
            "counters": self.counters.snapshot(),
            "blanks": self.blanks(),
            "blank_fields": blank_fields,
            "blank_field": blank_field,
            "errors": list(reversed(self.recent_errors.recent()))[:20] if self.recent_errors else [],
            "outbox_depth": _safe(self.outbox_depth, None),
            "online": _safe(self.online, None),
            "fleet": self._fleet(),
            "version": self.version,
            "kiosk_id": self.kiosk_id,
            "card": card,
            "code": code,
            "deposit_case": deposit_case,
            "compartments": self._compartments(),
            "camera": self.camera is not None,
            "recalls": [{"deposit_id": r.deposit_id, "compartment": r.compartment, "case_id": r.case_id}
                        for r in list(self.recalls)],
        }

    def _device_rows(self) -> list[dict]:
        """Each device row says which test it offers: run one here, or go to the page that tests it."""
        rows = _safe(self.device_rows, [])
        runnable = set(self.tests.names()) | set(PASSIVE_TESTS)
        for row in rows:
            present = row.get("status") not in ("disabled", "no_driver")
            name = row.get("name")
            if name in TEST_PAGES and (present or name == "locker" and _safe(self.locker, None) is not None):
                row["test"] = f"page:{TEST_PAGES[name]}"
            else:
                row["test"] = "run" if present and name in runnable else None
        return rows

    def blanks(self) -> dict:
        if not self.blanks_kept:
            return {"kept": False, "ledger": False, "remaining": None}
        if self.ledger is None:
            return {"kept": True, "ledger": False, "remaining": self.counters.snapshot()["blanks_left"]}
        try:
            counts = self.ledger.counts()
            next_serial = self.ledger.next_serial()
        except Exception as exc:
            logger.warning("blank ledger unreadable: %s", type(exc).__name__)
            return {"kept": True, "ledger": True, "remaining": None}
        return {"kept": True, "ledger": True, "remaining": counts.remaining, "printed": counts.printed, "voided": counts.voided,
                "next_serial": next_serial}

    def _fleet(self) -> dict:
        agent = _safe(self.fleet, None)
        if agent is None:
            return {"enabled": False}
        return {"enabled": True, "heartbeats_sent": agent.heartbeats_sent, "last_error": agent.last_error,
                "out_of_service": agent.out_of_service,
                "commands": [{"kind": r.kind, "ok": r.ok, "detail": r.detail} for r in agent.results[-5:]]}

    def _compartments(self) -> list[dict]:
        """The locker's compartments from its configuration: no board is asked here (the screens call this on their
        own thread, and a silent board would stall them)."""
        parts = _safe(self.locker, None)
        if parts is None:
            return []
        return [{"label": c.label, "size": c.size} for c in getattr(parts.bank, "compartments", ())]

    # -- what the card reader and the scanner read in maintenance mode --------------------------------------------
    def on_card(self, card) -> None:
        """The card test: only the masked name and ID number are kept."""
        with self._lock:
            self._passed("card_reader", "maint.card_read")
            self.last_card = {"name": mask_name(getattr(card, "name", None) or getattr(card, "name_en", None)),
                              "id_number": mask_id_number(getattr(card, "id_number", None)),
                              "at": dt.datetime.now().strftime("%H:%M:%S")}
        logger.info("maintenance: card test read a card")

    def on_code(self, code: str) -> None:
        """The scanner test; the same scan fills the field being entered (a blank's serial, a case barcode)."""
        code = str(code).strip()
        from kiosk.documents.ledger import SERIAL

        with self._lock:
            self._passed("scanner", "maint.code_read")
            self.last_code = mask_code(code)
            # A case number and a blank's serial can look alike: the page on screen says which one is wanted.
            if self.scan_target == "blanks" and SERIAL.match(code):
                self.blank_fields[self.blank_field] = code
                self.blank_field = "last" if self.blank_field == "first" else "first"
            elif self.scan_target == "deposit" and _case_number(code):
                self.deposit_case = _case_number(code)
        logger.info("maintenance: scanner test read a code of %d characters", len(code))

    def _passed(self, test: str, key: str) -> None:
        self.actions[f"test:{test}"] = DeskAction(f"test:{test}", False, True, key)

    # -- actions ------------------------------------------------------------------------------------------------
    def _start(self, name: str, work: Callable[[], tuple[bool, str, str]]) -> bool:
        """Run work() on the worker; False if that action is still running."""
        with self._lock:
            current = self.actions.get(name)
            if current is not None and current.running:
                return False
            self.actions[name] = DeskAction(name)

        def run() -> None:
            try:
                ok, key, detail = work()
            except Exception as exc:  # a failing device is a result to show, not a crash of maintenance mode
                logger.warning("maintenance action %s failed: %s", name, type(exc).__name__)
                ok, key, detail = False, "maint.failed", scrub_text(f"{type(exc).__name__}: {exc}")[:200]
            with self._lock:
                self.actions[name] = DeskAction(name, False, ok, key, scrub_text(str(detail))[:200])

        self._worker.submit(run)
        return True

    def run_test(self, name: str) -> bool:
        if name in PASSIVE_TESTS:  # the card reader and the scanner: the next card or code read is the test
            with self._lock:
                self.actions[f"test:{name}"] = DeskAction(f"test:{name}", True, None, PASSIVE_TESTS[name])
            return True

        def work():
            result = self.tests.run(name)
            return result.ok, "maint.passed" if result.ok else "maint.failed", result.detail
        return self._start(f"test:{name}", work)

    def load_paper(self) -> bool:
        def work():
            self.counters.load_paper()
            return True, "maint.paper_loaded", ""
        return self._start("load_paper", work)

    def scan_for(self, target: str | None) -> None:
        """What the next scans fill: "blanks" (a blank's serial), "deposit" (a case barcode) or nothing."""
        with self._lock:
            self.scan_target = target if target in ("blanks", "deposit") else None

    def choose_blank_field(self, name: str) -> None:
        if name in self.blank_fields:
            with self._lock:
                self.blank_field = name

    def type_blank(self, key: str) -> None:
        """The keypad on the blank-certificate page: a digit, 'clear' or 'back'."""
        with self._lock:
            value = self.blank_fields[self.blank_field]
            if key == "clear":
                value = ""
            elif key == "back":
                value = value[:-1]
            elif len(key) == 1 and key.isdigit() and len(value) < 16:
                value += key
            self.blank_fields[self.blank_field] = value

    def load_blanks(self) -> bool:
        """Records the stack between the first and last serial in the blank ledger (or the counters without one)."""
        with self._lock:
            first, last = self.blank_fields["first"], self.blank_fields["last"]
        staff = self.staff_id() or "staff"

        def work():
            from kiosk.documents.ledger import LedgerError, serial_range

            try:
                count = (self.ledger.load_stack(first, last, staff) if self.ledger is not None
                         else len(serial_range(first, last)))
            except LedgerError as exc:
                return False, "maint.blanks_refused", str(exc)
            if self.ledger is None:
                self.counters.load_blanks(self.counters.snapshot()["blanks_left"] + count)
            with self._lock:
                self.blank_fields = {"first": "", "last": ""}
                self.blank_field = "first"
            return True, "maint.blanks_loaded", str(count)
        return self._start("load_blanks", work)

    def set_deposit_case(self, case_id: str) -> bool:
        case = _case_number(case_id)
        with self._lock:
            self.deposit_case = case
        return case is not None

    def deposit(self, size: str) -> bool:
        """A staff deposit into a free compartment of `size` for the scanned case (kiosk.pickup LockerService)."""
        with self._lock:
            case_id = self.deposit_case
        if size not in DEPOSIT_SIZES or not case_id:
            with self._lock:
                self.actions["deposit"] = DeskAction("deposit", False, False, "maint.scan_case_first")
            return False

        def work():
            parts = self.locker()
            if parts is None:
                return False, "maint.no_locker", ""
            outcome = parts.service.deposit(case_id, size)
            if outcome.ok:
                self.counters.load_deposits(1)
                with self._lock:
                    self.deposit_case = None
            return outcome.ok, f"maint.deposit.{outcome.reason}", outcome.compartment or ""
        return self._start("deposit", work)

    def open_door(self, label: str) -> bool:
        """Opens one compartment door for a test (staff only; the ledger is not changed)."""
        def work():
            parts = self.locker()
            if parts is None:
                return False, "maint.no_locker", ""
            result = parts.bank.open(label)
            logger.info("maintenance: door %s test open: %s", label, "opened" if result.opened else "did not open")
            return bool(result.opened), "maint.door_opened" if result.opened else "maint.door_not_opened", label
        return self._start("open_door", work)

    # -- locker recall (issue 22: kiosk.pickup.recall) -----------------------------------------------------------
    def load_recalls(self) -> bool:
        """Asks the gateway which deposits are past the site's limit (it reminds their holders first)."""
        def work():
            from kiosk.pickup.recall import recall_list

            parts = self.locker()
            if parts is None or getattr(parts, "platform", None) is None:
                return False, "maint.no_locker", ""
            due = recall_list(parts.platform, parts.recall_after_days)
            self.recalls = due
            return True, "maint.recall.listed", str(len(due))
        return self._start("recalls", work)

    def recall(self, deposit_id: str) -> bool:
        """Opens a listed deposit's door for staff to take the certificate back; its code becomes invalid."""
        due = next((r for r in self.recalls if r.deposit_id == deposit_id), None)
        if due is None:
            return False

        def work():
            from kiosk.pickup.recall import recall

            parts = self.locker()
            if parts is None:
                return False, "maint.no_locker", ""
            ok, key = recall(parts, parts.platform, due, self.staff_id() or "staff")
            if ok:
                self.recalls = [r for r in self.recalls if r.deposit_id != deposit_id]
            return ok, key, due.compartment
        return self._start("recall", work)

    # -- the session's RunDeskAction (a runtime handler): staff's buttons, the page's scan target, a refresh ----------
    def perform(self, command, post, cancelled=None) -> None:
        """Runs one action ("verb" or "verb:value"; an unknown one changes nothing) and posts what the pages show."""
        verb, _, value = str(command.action).partition(":")
        actions = {"test": lambda: self.run_test(value), "load_paper": self.load_paper,
                   "load_blanks": self.load_blanks, "blank_field": lambda: self.choose_blank_field(value),
                   "blank_key": lambda: self.type_blank(value), "deposit": lambda: self.deposit(value),
                   "door": lambda: self.open_door(value), "scan_for": lambda: self.scan_for(value or None),
                   "preview": lambda: self.start_preview() if value == "on" else self.stop_preview(),
                   "refresh": lambda: None,
                   "recalls": self.load_recalls, "recall": lambda: self.recall(value)}
        action = actions.get(verb)
        if action is None:
            logger.warning("maintenance: unknown desk action %r", verb[:32])
        else:
            action()
        post(ev.MaintenanceDeskChanged(self.snapshot()))

    # -- jobs today, from the session's views ---------------------------------------------------------------------
    def on_view(self, view) -> None:
        """A session observer: each service that reaches the done screen counts as a job today."""
        state = getattr(view.state, "value", str(view.state))
        if state == "done" and self._last_state == "flow" and view.service:
            try:
                self.counters.record_job(view.service)
            except Exception as exc:  # the heartbeat's last error says why, not only that it failed
                logger.exception("could not count a job (%s)", _why(exc))
        self._last_state = state

    # -- camera preview: on while the camera page is shown (the staff part says so); its frames go to the page -----
    def start_preview(self) -> bool:
        if self.preview is None:
            return False
        self.preview.start()
        return True

    def stop_preview(self) -> None:
        if self.preview is not None:
            self.preview.stop()

def _safe(fn, default):
    if fn is None:
        return default
    try:
        return fn()
    except Exception as exc:
        logger.warning("maintenance source %s failed: %s", getattr(fn, "__name__", "?"), type(exc).__name__)
        return default


def _case_number(code: str) -> str | None:
    """A case barcode is the case number itself or an acceptance notice's status address (kiosk.codes)."""
    from kiosk.codes import CASE_ID_RE, acceptance_notice_case

    code = str(code or "").strip()
    if len(code) > MAX_CODE_FIELD * 8:
        return None
    return acceptance_notice_case(code) or (code if CASE_ID_RE.match(code) else None)


def _why(exc: Exception) -> str:
    """What stopped a write, without the path it was writing to."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "disk full"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
