"""Staff sign-in at the kiosk: which card or scanned code is a staff credential, and the PIN check off the UI thread.

The card reader's and the scanner's listeners (kiosk.app) ask `StaffSignIn` first. While nobody's applicant data is
held (attract, identify prompt, out of service, the PIN pad) a card or code is checked against the staff hashes;
a staff credential opens the PIN pad (StaffCredentialPresented) and goes no further. In maintenance mode every card
and code goes to the maintenance desk's tests. Anything else goes on to the session unchanged, and an applicant's
ID number is neither logged nor kept here.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from kiosk import events as ev
from kiosk.maintenance.staff import MaintenanceLocked, StaffGate

logger = logging.getLogger(__name__)

# Session states (kiosk.session.State values) in which a card or code may be a staff credential.
SIGN_IN_STATES = frozenset({"attract", "identify", "out_of_service", "staff_pin"})


class StaffSignIn:
    """gate: the StaffGate; post: the runtime's post; state: () -> the session's state value (read from the device
    threads: a stale read only means one card is checked, or not, a moment late); desk: () -> the MaintenanceDesk
    (built after the devices whose listeners ask this) or None."""

    def __init__(self, gate: StaffGate, post: Callable[[ev.Event], None], state: Callable[[], str],
                 desk: Callable[[], object] = lambda: None):
        self.gate = gate
        self.post = post
        self.state = state
        self.desk = desk

    def replace_gate(self, gate: StaffGate) -> None:
        """New staff credentials and lockout from a reloaded site file; a sign-in under way starts over."""
        self.gate = gate

    def _state(self) -> str:
        state = self.state()
        return getattr(state, "value", str(state))

    # -- from the devices ---------------------------------------------------------------------------------------
    def take_card(self, card) -> bool:
        """True when the card was taken here (a staff card, or a card test in maintenance mode)."""
        state = self._state()
        if state == "maintenance":
            desk = self.desk()
            if desk is not None:
                desk.on_card(card)
            return True
        if state not in SIGN_IN_STATES or not self.gate.takes_cards:
            return False
        id_number = getattr(card, "id_number", None) or ""
        if not id_number:
            return False
        return self._present(lambda: self.gate.present_card(id_number), lambda: self.gate.match_card(id_number))

    def take_code(self, code: str) -> bool:
        """True when the code was taken here (a staff QR code, or a scanner test in maintenance mode)."""
        state = self._state()
        if state == "maintenance":
            desk = self.desk()
            if desk is not None:
                desk.on_code(code)
            return True
        if state not in SIGN_IN_STATES or not self.gate.takes_codes:
            return False
        from kiosk.codes import CodeKind, classify

        if classify(code) in (CodeKind.PICKUP, CodeKind.ACCEPTANCE_NOTICE):
            return False  # an applicant's code: never a staff credential, and no hash work to delay it
        return self._present(lambda: self.gate.present_qr(code), lambda: self.gate.match_qr(code))

    def _present(self, present, match) -> bool:
        try:
            outcome = present()
        except MaintenanceLocked as exc:
            if match() is None:
                return False  # an applicant's card during a staff lockout is still an applicant's card
            self.post(ev.StaffCredentialPresented(locked_s=exc.retry_in_s))
            return True
        if outcome.message_key != "enter_pin":
            return False
        logger.info("maintenance: staff credential presented, asking for the PIN")
        self.post(ev.StaffCredentialPresented())
        return True

    # -- the session's CheckStaffPin (the PIN pad posts StaffPinEntered; a runtime handler) ----------------------
    def check_pin(self, command, post: Callable[[ev.Event], None], cancelled: threading.Event) -> None:
        """Runs on a runtime worker (scrypt takes a while); the outcome comes back as a session event."""
        try:
            outcome = self.gate.enter_pin(str(command.pin or "")[:32])
        except MaintenanceLocked as exc:
            post(ev.StaffPinRejected("maintenance_locked", 0, exc.retry_in_s))
            return
        except Exception:
            logger.exception("PIN check failed")
            post(ev.StaffPinRejected("internal_error"))
            return
        if outcome.ok:
            post(ev.MaintenanceRequested(staff_id=outcome.staff_id))
        elif outcome.message_key == "wrong_pin":
            post(ev.StaffPinRejected("wrong_pin", self.gate.attempts_left))
        else:
            post(ev.StaffPinRejected(outcome.message_key))

    def cancel(self) -> None:
        self.gate.cancel()
