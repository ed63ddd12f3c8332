"""The session's staff part: a staff credential opens the PIN pad, the PIN (checked off the core thread) opens
maintenance mode, its pages, and the way back; who is signed in is the data it holds and resets.

STAFF_PIN (a staff card or QR code; at attract, on the identify prompt before any applicant data, or out of service)
-> MAINTENANCE (the right PIN) -> ATTRACT (exit, or maintenance left alone). A PIN pad left alone goes back to attract
without a warning.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.session import Command, Session, State

logger = logging.getLogger(__name__)

# The pages of maintenance mode (screens/maintenance*.py); "home" is the device status and tests.
MAINTENANCE_PAGES = ("home", "stock", "locker", "log", "camera")
# What a scan fills on a page besides the scanner test (MaintenanceDesk.scan_for).
PAGE_SCANS = {"stock": "blanks", "locker": "deposit"}


@dataclass(frozen=True)
class CheckStaffPin(Command):
    """Check the PIN typed on the staff PIN pad (kiosk.maintenance.StaffSignIn.check_pin); answered by
    MaintenanceRequested or StaffPinRejected."""

    pin: str

    def __repr__(self) -> str:
        return f"CheckStaffPin(pin=<{len(self.pin)} digits>)"


@dataclass(frozen=True)
class RunDeskAction(Command):
    """Carry out a maintenance action on the desk (kiosk.maintenance.desk.MaintenanceDesk.perform): a
    MaintenanceAction's, a page's scan target ("scan_for:<target>"), or "refresh"; answered by
    MaintenanceDeskChanged."""

    action: str


class StaffPart:
    def __init__(self, *, maintenance_idle_timeout_s: float = 300):
        self.maintenance_idle_timeout_s = maintenance_idle_timeout_s
        self.staff_id: str | None = None  # the signed-in staff member's id (never a name)
        self.page = "home"
        self.attempts_left: int | None = None  # on the PIN pad after a wrong PIN
        self.locked_s: int | None = None  # on the PIN pad while entry is locked
        self.checking = False  # the PIN typed is being checked
        self.desk: dict | None = None  # what the maintenance pages show (MaintenanceDeskChanged)

    def idle_timeout_changed(self, seconds: float) -> None:
        """The site file was reloaded (the core's SessionSettingsChanged)."""
        self.maintenance_idle_timeout_s = seconds

    def transitions(self) -> list:
        """This part's rows of the session's table: (state or states, event type, handler(session, event))."""
        return [
            ((State.ATTRACT, State.OUT_OF_SERVICE, State.IDENTIFY, State.STAFF_PIN), ev.StaffCredentialPresented,
             self._credential),
            (State.STAFF_PIN, ev.StaffPinEntered, self._pin_entered),
            (State.STAFF_PIN, ev.StaffPinRejected, self._pin_rejected),
            ((State.ATTRACT, State.OUT_OF_SERVICE, State.STAFF_PIN), ev.MaintenanceRequested, self._signed_in),
            (State.MAINTENANCE, ev.MaintenancePageChosen, self._page),
            (State.MAINTENANCE, ev.MaintenanceAction, self._action),
            (State.MAINTENANCE, ev.MaintenanceDeskChanged, self._desk_changed),
            (State.MAINTENANCE, ev.MaintenanceExited, self._exit),
        ]

    # -- its data -----------------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return True  # nothing of an applicant's: a staff id is no personal data of anyone in front of the kiosk

    def scrub(self) -> None:
        pass

    def reset(self) -> None:
        self.staff_id = None
        self.page = "home"
        self.attempts_left = self.locked_s = None
        self.checking = False
        self.desk = None

    def view_fields(self) -> dict:
        return {"staff_id": self.staff_id, "maintenance_page": self.page, "staff_attempts_left": self.attempts_left,
                "staff_locked_s": self.locked_s, "staff_checking": self.checking, "maintenance_desk": self.desk}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        if session.state == State.MAINTENANCE:
            if now - session.last_activity >= self.maintenance_idle_timeout_s:
                return self._leave(session, "maintenance_timeout")
            return [RunDeskAction("refresh")]  # the desk's outcomes and the devices' status, into the view
        if session.state == State.STAFF_PIN:  # a PIN pad left alone goes back to attract, no warning
            if now - session.last_activity >= session.idle_timeout_s:
                return session.reset("staff_pin_timeout")
            return []
        return None

    # -- handlers -----------------------------------------------------------------------------------------------
    def _credential(self, session: Session, event: ev.StaffCredentialPresented) -> list[Command]:
        if session.state == State.IDENTIFY:
            session.scrub_personal()
        self.attempts_left = None
        self.checking = False
        self.locked_s = int(event.locked_s + 0.999) if event.locked_s > 0 else None
        session.message = "maintenance_locked" if self.locked_s else None
        session.enter(State.STAFF_PIN)
        session.touch()
        return []

    def _pin_entered(self, session: Session, event: ev.StaffPinEntered) -> list[Command]:
        if not event.pin:
            return []
        self.checking = True
        session.touch()
        return [CheckStaffPin(event.pin[:32])]

    def _pin_rejected(self, session: Session, event: ev.StaffPinRejected) -> list[Command]:
        self.checking = False
        session.message = event.message_key
        self.attempts_left = event.attempts_left
        self.locked_s = int(event.locked_s + 0.999) if event.locked_s > 0 else None
        session.touch()
        return []

    def _signed_in(self, session: Session, event: ev.MaintenanceRequested) -> list[Command]:
        self.reset()
        self.staff_id = event.staff_id
        session.message = None
        session.enter(State.MAINTENANCE)
        session.touch()
        return [RunDeskAction("scan_for:")]  # the home page: scans are only the scanner's test

    def _page(self, session: Session, event: ev.MaintenancePageChosen) -> list[Command]:
        if event.page not in MAINTENANCE_PAGES:
            return []
        self.page = event.page
        session.touch()
        return [RunDeskAction(f"scan_for:{PAGE_SCANS.get(event.page, '')}"),
                RunDeskAction("preview:on" if event.page == "camera" else "preview:off")]

    def _action(self, session: Session, event: ev.MaintenanceAction) -> list[Command]:
        session.touch()
        return [RunDeskAction(str(event.action)[:64])]

    def _desk_changed(self, session: Session, event: ev.MaintenanceDeskChanged) -> list[Command]:
        self.desk = event.snapshot
        return []

    def _exit(self, session: Session, event: ev.MaintenanceExited) -> list[Command]:
        return self._leave(session, "maintenance_exit")

    def _leave(self, session: Session, reason: str) -> list[Command]:
        """Out of maintenance mode: the camera preview (if the camera page was open) goes off with it."""
        return session.reset(reason) + [RunDeskAction("preview:off")]
