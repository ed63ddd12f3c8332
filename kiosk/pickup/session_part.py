"""The session's pickup part at a locker: the code (scanned or typed) checked offline, the card and face check it asks
for, the door; the accepted code and a card waiting for it are the personal data it holds and scrubs.

code -> PICKUP_CODE while it is checked -> IDENTIFY -> VERIFY (the core's card + face check) -> FLOW "pickup" (the
door) -> DONE. A refused code stays on PICKUP_CODE with its message, to try again. The code-entry lockout and the
door alarms are the locker's, not the applicant's: they survive a reset.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kiosk import events as ev
from kiosk.pickup import steps
from kiosk.session import ANY, Command, Session, State

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckPickupCode(Command):
    """Check a scanned pickup code (method "qr") or typed digits ("digits") offline; answered by PickupCodeChecked."""

    method: str
    text: str

    def __repr__(self) -> str:  # a pickup code opens a door: never print it
        return f"CheckPickupCode(method={self.method!r}, text=<{len(self.text)} chars>)"


@dataclass(frozen=True)
class OpenCompartment(Command):
    """The verified person may collect with this code: open its door, wait for it to shut, record the pickup."""

    code: Any
    card: Any

    def __repr__(self) -> str:
        return f"OpenCompartment(code={self.code!r})"


class PickupPart:
    """pickup_only: the site is a locker (its attract screen asks for the code; a card before a code is refused);
    offers_pickup: "pickup" is one of the site's services (scanned pickup codes are taken)."""

    def __init__(self, *, pickup_only: bool, offers_pickup: bool):
        self.pickup_only = pickup_only
        self.offers_pickup = offers_pickup
        self.code: Any = None  # kiosk.pickup.PickupCode accepted, until its door has opened (personal)
        self.waiting_card: Any = None  # a card placed while the code is checked (personal)
        self.locked_until: float | None = None  # kiosk-wide, not the applicant's: survives a reset
        self.locked_s: int | None = None  # what the screen shows; moved on by ticks
        self.alarms: set[str] = set()  # compartments whose door is left open

    def transitions(self) -> list:
        """This part's rows of the session's table: (state or states, event type, handler(session, event))."""
        rows = [
            (ANY, ev.PickupDigitsEntered, self._digits),
            (State.PICKUP_CODE, ev.PickupCodeChecked, self._checked),
            (State.VERIFY, ev.IdentityVerified, self._verified),  # with an accepted code: the door, not the menu
            (State.FLOW, ev.LockerDoorOpened, self._door_opened),
            (ANY, ev.LockerAlarm, self._alarm),
            (ANY, ev.PickupAttempted, self._attempted),
        ]
        if self.pickup_only:  # a card before any code: the locker says to scan the code first
            rows.append(((State.ATTRACT, State.PICKUP_CODE), ev.CardRead, self._card_before_code))
        return rows

    # -- personal data ----------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self.code is None and self.waiting_card is None

    def scrub(self) -> None:
        self.code = self.waiting_card = None

    def reset(self) -> None:
        """The session is back at attract: nothing of the applicant's (the lockout and the alarms stay)."""
        self.scrub()

    def view_fields(self) -> dict:
        return {"pickup_only": self.pickup_only, "pickup_locked_s": self.locked_s,
                "locker_alarms": tuple(sorted(self.alarms))}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        """The lockout countdown on screen (a tick changes the view only when the whole seconds left change)."""
        self._count_down(session)
        return None

    def _count_down(self, session: Session) -> None:
        if self.locked_until is None:
            self.locked_s = None
            return
        left = self.locked_until - session.clock()
        if left <= 0:
            self.locked_until = self.locked_s = None
        else:
            self.locked_s = int(left) + 1

    # -- handlers -----------------------------------------------------------------------------------------------
    def code_entered(self, session: Session, method: str, text: str) -> list[Command]:
        if not self.offers_pickup or session.state not in (State.ATTRACT, State.PICKUP_CODE):
            return session.activity()  # mid-session a code changes nothing
        session.service = "pickup"
        session.message = None
        session.personal.flow = steps.CheckingCode()
        session.enter(State.PICKUP_CODE)
        session.touch()
        return [CheckPickupCode(method, text)]

    def _digits(self, session: Session, event: ev.PickupDigitsEntered) -> list[Command]:
        return self.code_entered(session, "digits", event.digits)

    def _attempted(self, session: Session, event: ev.PickupAttempted) -> list[Command]:
        return session.activity(event)  # for the audit trail; here only activity

    def _checked(self, session: Session, event: ev.PickupCodeChecked) -> list[Command]:
        session.touch()
        self.locked_until = session.clock() + event.locked_for_s if event.locked_for_s > 0 else None
        self._count_down(session)
        if event.outcome != "accepted" or event.code is None:
            session.message = event.outcome
            session.personal.flow = steps.CodeRefused()
            return []
        self.code = event.code
        session.personal.flow = steps.IdentifyCollector(compartment=event.code.compartment)
        session.message = "pickup_code_accepted"
        session.enter(State.IDENTIFY)
        card, self.waiting_card = self.waiting_card, None
        return session.begin_with_card(card) if card is not None else []

    def _card_before_code(self, session: Session, event: ev.CardRead) -> list[Command]:
        """A card before any code: the locker says to scan the code first and keeps nothing. A card placed while a
        code is being checked (or after a refusal) waits here for the code."""
        session.touch()
        if session.state == State.PICKUP_CODE:
            self.waiting_card = event.card
            return []
        session.message = "pickup_scan_first"
        return []

    def _verified(self, session: Session, event: ev.IdentityVerified) -> list[Command]:
        if self.code is None:
            return session._verified(event)  # an applicant's own check: the core's way to the menu
        if session.personal.card is None:
            return []
        session.verified(event)
        code, card = self.code, session.personal.card
        self.code = None  # one door opening per accepted code
        session.service = "pickup"
        session.personal.flow = steps.DoorOpening(compartment=code.compartment)
        session.enter(State.FLOW)
        session.touch()
        return [OpenCompartment(code, card)]

    def _door_opened(self, session: Session, event: ev.LockerDoorOpened) -> list[Command]:
        if session.service == "pickup":
            session.personal.flow = steps.TakeCertificate(compartment=event.compartment)
            session.touch()
        return []

    def _alarm(self, session: Session, event: ev.LockerAlarm) -> list[Command]:
        if event.alarm != "door_left_open":
            return []
        if event.active:
            self.alarms.add(event.compartment)
        else:
            self.alarms.discard(event.compartment)
        return []
