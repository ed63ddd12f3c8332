"""The session's staff-assisted part: after the face check failed (or when the person cannot use it), a staff member
of the hall presents their staff card or QR code and PIN, the applicant's ID card is read, staff confirm the person
against it and pick a reason; the gateway decides (policy, lockout, audit) and the session goes on to the menu with
method `staff_assisted`, offering only the services the gateway said that method opens.

From the done screen after the face check used up its tries ("ask_staff"), or from the face check itself:
STAFF_ASSIST pages: credential -> pin -> applicant_card -> confirm -> checking -> (MENU) or back with a
message. The staff credential and PIN are kept only until the check is sent; the applicant's card is personal data.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from kiosk import events as ev
from kiosk.session import AuthoriseApplicant, Command, Session, State
from kiosk.staff_assist import events as aev

logger = logging.getLogger(__name__)

REASONS = ("elderly", "disability", "camera_failure", "other")
OTHER_TEXT_MAX = 40  # characters of the "other" reason typed on the kiosk's keyboard (the gateway keeps up to 80)
_NOT_WORDS = re.compile(r"\d{6,}|@")  # the gateway's rule (gateway.staff_assist.reason_text_ok): words, not numbers
# Where a refusal sends staff back to: the PIN pad for a wrong PIN, the credential for anything about the credential.
BACK_TO = {"wrong_pin": "pin", "staff_locked": "credential", "credential_used": "credential",
           "credential_expired": "credential", "staff_unknown": "credential", "staff_other_hall": "credential",
           "invalid_reason_text": "confirm", "reason_text_required": "confirm"}


@dataclass(frozen=True)
class CheckStaffAssist(Command):
    """Ask the gateway to decide a staff-assisted check (kiosk.staff_assist.checker)."""

    credential_kind: str
    credential: str = field(repr=False)
    pin: str = field(repr=False)
    card: Any = field(repr=False)
    reason: str = ""
    text: str = field(default="", repr=False)  # the "other" reason's words: kept out of every log line


class StaffAssistPart:
    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled
        self.page: str | None = None
        self.message: str | None = None
        self.attempts_left: int | None = None
        self.credential: tuple[str, str] | None = None  # (kind, value) of the staff member's credential
        self.pin: str | None = None
        self.staff_id: str | None = None  # who vouched (shown to nobody; for the audit trail)
        self.services: tuple[str, ...] | None = None  # what the staff-assisted token opens, once accepted

    def transitions(self) -> list:
        return [
            (State.DONE, aev.StaffAssistRequested, self._start),
            (State.VERIFY, aev.StaffAssistRequested, self._start),
            (State.STAFF_ASSIST, aev.StaffAssistRequested, self._to_credential),
            (State.STAFF_ASSIST, ev.CardRead, self._card),
            (State.STAFF_ASSIST, ev.CodeScanned, self._code),
            (State.STAFF_ASSIST, aev.StaffAssistPinEntered, self._pin),
            (State.STAFF_ASSIST, aev.StaffAssistConfirmed, self._confirmed),
            (State.STAFF_ASSIST, aev.StaffAssistAccepted, self._accepted),
            (State.STAFF_ASSIST, aev.StaffAssistRefused, self._refused),
        ]

    # -- data -----------------------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self.credential is None and self.pin is None

    def scrub(self) -> None:
        self.credential = self.pin = None

    def reset(self) -> None:
        self.scrub()
        self.page = self.message = self.attempts_left = self.staff_id = self.services = None

    def view_fields(self) -> dict:
        return {"assist_page": self.page, "assist_message": self.message, "assist_attempts_left": self.attempts_left}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        return None

    def allows(self, service: str) -> bool:
        """Once a staff-assisted check let the applicant in: only what the gateway said it opens."""
        return self.services is None or service in self.services

    # -- handlers -----------------------------------------------------------------------------------------------
    def _go(self, session: Session, page: str, message: str | None = None) -> None:
        self.page, self.message = page, message
        session.enter(State.STAFF_ASSIST)
        session.touch()

    def _start(self, session: Session, event) -> list[Command]:
        if not self.enabled:
            return []
        commands: list[Command] = []
        if session.state == State.DONE and session.outcome != "ask_staff":
            return []
        if session.state == State.VERIFY:  # the person cannot use the camera: the face check stops
            session.scrub_personal()
            commands = [ev_session_ended("staff_assisted")]
        self.scrub()
        self.attempts_left = None
        self._go(session, "credential")
        help_part = getattr(session, "help", None)  # staff are called to the kiosk at once (kiosk.staff_help)
        if help_part is not None:
            from kiosk.staff_help.events import HelpRequested

            commands += help_part._requested(session, HelpRequested())
        return commands

    def _to_credential(self, session: Session, event) -> list[Command]:
        self._go(session, "credential")
        return []

    def _card(self, session: Session, event: ev.CardRead) -> list[Command]:
        session.touch()
        number = getattr(event.card, "id_number", "") or ""
        if self.page == "credential" and number:
            self.credential = ("card", number)
            self._go(session, "pin")
        elif self.page == "applicant_card":
            if self.credential is not None and self.credential == ("card", number):
                self.message = "assist_same_card"  # the staff member's own card is not the applicant's
                return []
            if getattr(event.card, "expired", False):
                self.message = "card_expired"
                return []
            session.personal.card = event.card
            self._go(session, "confirm")
        return []

    def _code(self, session: Session, event: ev.CodeScanned) -> list[Command]:
        session.touch()
        if self.page == "credential":
            self.credential = ("qr", event.code)
            self._go(session, "pin")
        return []

    def _pin(self, session: Session, event: aev.StaffAssistPinEntered) -> list[Command]:
        if self.page != "pin" or self.credential is None:
            return []
        self.pin = event.pin
        if session.personal.card is not None:  # back here after a wrong PIN: the applicant's card is read already
            self._go(session, "confirm")
        else:
            self._go(session, "applicant_card")
        return []

    def _confirmed(self, session: Session, event: aev.StaffAssistConfirmed) -> list[Command]:
        if self.page != "confirm" or event.reason not in REASONS or self.credential is None or self.pin is None \
                or session.personal.card is None:
            return []
        problem = other_text_problem(event.text) if event.reason == "other" else None
        if problem is not None:  # said before anything is sent: the PIN is still there for the next try
            self.message = problem
            session.touch()
            return []
        kind, value = self.credential
        pin, self.pin = self.pin, None
        if kind == "qr":
            self.credential = None  # a staff QR code works once: a retry needs a new one
        self._go(session, "checking")
        return [CheckStaffAssist(kind, value, pin, session.personal.card, event.reason,
                                 event.text.strip() if event.reason == "other" else "")]

    def _accepted(self, session: Session, event: aev.StaffAssistAccepted) -> list[Command]:
        card = session.personal.card
        if card is None:
            return []
        self.scrub()
        self.staff_id, self.services = event.staff_id, tuple(event.services)
        self.page = self.message = None
        session.verified(ev.IdentityVerified(method="staff_assisted", score=None, token=event.token))
        session.enter(State.MENU)
        session.touch()
        logger.info("staff-assisted check accepted")
        return [AuthoriseApplicant(card, "staff_assisted", None, event.token)]

    def _refused(self, session: Session, event: aev.StaffAssistRefused) -> list[Command]:
        self.attempts_left = event.attempts_left
        back = BACK_TO.get(event.code)
        if back == "credential":
            self.credential = None
        if back is None:  # the method is not allowed here, or the gateway cannot be reached: staff serve at a counter
            session.scrub_personal()
            self.scrub()
            self.page, self.message = "refused", event.code
            session.touch()
            return []
        self._go(session, back, event.code)
        return []


def other_text_problem(text: str) -> str | None:
    """Why the "other" reason's words cannot be sent (a message key), or None."""
    text = text.strip()
    if not text:
        return "reason_text_required"
    if len(text) > OTHER_TEXT_MAX:
        return "reason_text_too_long"
    if _NOT_WORDS.search(text):
        return "invalid_reason_text"
    return None


def ev_session_ended(reason: str):
    from kiosk.session import SessionEnded

    return SessionEnded(reason)
