"""The pickup as the running kiosk does it: the session's locker commands, door watching, alarms and attempts as events.

The session decides (kiosk.pickup.session_part: CheckPickupCode, OpenCompartment); this runs those commands on the
runtime's workers with the locker's parts (kiosk.pickup.assembly), settles the journal at start-up, and then watches
the doors on its own thread: a door left open raises LockerAlarm on screen (and shows in the heartbeat's doors_open),
an unfinished pickup is recorded as soon as its door shuts with the item gone. Every attempt and door opening is posted
as a session event (the kiosk's audit trail observes those) and queued for the gateway in the outbox.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable

from kiosk import events as ev
from kiosk.pickup.steps import DoorRetrying
from kiosk.pickup.verifier import PickupAttempt
from kiosk.privacy import mask_name

logger = logging.getLogger(__name__)

Post = Callable[[ev.Event], None]


class Handover:
    def __init__(self, post: Post, *, assemble: Callable[["Handover"], object], outbox=None, receipt_printer=None,
                 office: str = "", locker_id: str = "", open_attempts: int = 2, watch_interval_s: float = 1.0):
        """assemble(handover): the locker's parts (kiosk.pickup.assembly.assemble) built with this handover's
        callbacks (attempts, alarms, the pickup slip); receipt_printer: the one every receipt goes to (counted and
        audited: kiosk.app.receipt_printer_for_jobs)."""
        self.post = post
        self.outbox = outbox
        self.receipt_printer = receipt_printer
        self.office = office
        self.locker_id = locker_id
        self.open_attempts = max(1, open_attempts)
        self.watch_interval_s = watch_interval_s
        self.doors = None  # kiosk.fleet.doors.DoorWatch, once started
        self._collector: tuple[str, bool] = ("", False)  # masked name, collected by an agent: for the slip
        self._slips: dict[str, bool] = {}  # code id -> slip printed, for the pickup just finished
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.parts = assemble(self)  # kiosk.pickup.assembly.LockerParts

    # -- the session's commands (runtime.handlers) ---------------------------------------------------------------
    def check_code(self, command, post: Post, cancelled: threading.Event) -> None:
        verifier = self.parts.verifier
        check = verifier.verify_qr(command.text) if command.method == "qr" else verifier.verify_digits(command.text)
        post(ev.PickupCodeChecked(command.method, check.reason, check.code, check.locked_for_s))

    def open_compartment(self, command, post: Post, cancelled: threading.Event) -> None:
        code, id_number = command.code, getattr(command.card, "id_number", "") or ""
        self._collector = (mask_name(getattr(command.card, "name", None) or getattr(command.card, "name_en", None)),
                           code.collector(id_number) == "agent")
        outcome = None
        for attempt in range(self.open_attempts):
            if attempt:
                post(ev.FlowUpdate(DoorRetrying(compartment=code.compartment)))
            outcome = self.parts.service.pickup(code, id_number, on_opened=lambda label: self._opened(label, code))
            if outcome.reason != "door_did_not_open":
                break
            logger.warning("pickup: door %s did not open (attempt %d of %d)", code.compartment, attempt + 1,
                           self.open_attempts)
        post(ev.FlowFinished(outcome.reason, receipt_pending=self._slips.pop(code.code_id, False)))

    # -- callbacks given to the service and the verifier ----------------------------------------------------------
    def audit(self, attempt: PickupAttempt) -> None:
        self.post(ev.PickupAttempted(attempt.method, attempt.outcome, attempt.code_id, attempt.compartment))
        self._queue("locker_pickup_attempt", {"method": attempt.method, "outcome": attempt.outcome,
                                              "code_id": attempt.code_id, "compartment": attempt.compartment})

    def alarm(self, code: str, label: str) -> None:
        self.post(ev.LockerAlarm(code, label, True))
        self._queue("locker_alarm", {"alarm": code, "compartment": label, "active": True})

    def alarm_cleared(self, code: str, label: str) -> None:
        self.post(ev.LockerAlarm(code, label, False))
        self._queue("locker_alarm", {"alarm": code, "compartment": label, "active": False})

    def print_slip(self, outcome, deposit) -> None:
        """The pickup slip on the receipt printer, when there is one (no paper never undoes a pickup)."""
        printer = self.receipt_printer
        if printer is None or deposit is None:
            return
        from kiosk.documents.receipts import pickup_slip
        from peripherals.status import CompletionCode

        collector, by_agent = self._collector
        elements = pickup_slip(office=self.office, case_id=deposit.case_id or "-", locker_id=self.locker_id,
                               compartment=outcome.compartment, collected_at=dt.datetime.now(),
                               collector=collector or None, by_agent=by_agent)
        code = printer.print_elements(elements)
        self._slips[outcome.code_id] = code == CompletionCode.SUCCESS
        if code != CompletionCode.SUCCESS:
            logger.warning("pickup slip for code %s not printed (%s)", outcome.code_id, code.value)

    def _opened(self, label: str, code) -> None:
        self.post(ev.LockerDoorOpened(label, code.code_id))
        self._queue("locker_door_opened", {"compartment": label, "code_id": code.code_id})

    def _queue(self, kind: str, payload: dict) -> None:
        if self.outbox is None:
            return
        try:
            self.outbox.enqueue(kind, payload, occurred_at=dt.datetime.now(dt.timezone.utc))
        except Exception:  # the audit event is lost to the gateway, never the pickup itself
            logger.exception("locker event %s not queued", kind)

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Settle the journal now (before the first applicant), then watch the doors on a thread."""
        from kiosk.fleet.doors import DoorWatch

        try:
            settled = self.parts.service.settle()
            if settled:
                logger.info("locker journal settled at start-up: %d entries", len(settled))
        except Exception:
            logger.exception("locker journal could not be settled at start-up; retrying while running")
        labels = {(c.board, c.lock): c.label for c in self.parts.bank.compartments}
        self.doors = DoorWatch(labels)
        try:
            self.doors.attach(self.parts.controller)
        except Exception:
            logger.exception("locker doors not readable at start-up")
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="locker-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def doors_open(self) -> list[dict]:
        return self.doors.doors_open() if self.doors is not None else []

    def _watch(self) -> None:
        while not self._stop.wait(self.watch_interval_s):
            try:
                if self.parts.ledger.unsettled():
                    self.parts.service.settle()
                self.parts.service.watch_doors()
            except Exception:  # the watcher must outlive one bad reading
                logger.exception("locker door watch failed")


def pickup_from_menu(ctx) -> None:
    """The pickup chosen from a menu (a site offering it beside other services): the code comes first."""
    ctx.post(ev.FlowFinished("pickup_scan_first"))
