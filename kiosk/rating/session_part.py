"""The session's rating part (好差评): when a service ends, the done screen asks for a rating; a low one may say why
and may ask for a call-back, and only then is a phone number taken. The rating goes through the outbox with the
service, the site and the time (nothing about the person); a phone number goes straight to the gateway, which keeps
it encrypted, and is wiped here as soon as it is sent.

pages: ask -> (low) reasons -> callback -> (yes) phone -> thanks; skippable at every page.
"""
from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field

from kiosk import events as ev
from kiosk.rating import LEVELS, LOW_LEVELS, LOW_REASONS
from kiosk.rating import events as rev
from kiosk.session import Command, Session, State

logger = logging.getLogger(__name__)

PHONE = re.compile(r"^(1\d{10}|0\d{9,11})$")  # a mainland mobile, or a landline with its area code


@dataclass(frozen=True)
class SubmitRating(Command):
    """Put the rating in the outbox (kind service_rating)."""

    rating_id: str
    service: str
    level: int
    reasons: tuple[str, ...]
    outcome: str
    callback: bool


@dataclass(frozen=True)
class RequestCallback(Command):
    rating_id: str
    phone: str = field(repr=False)


class RatingPart:
    def __init__(self):
        self.page: str | None = None
        self.service: str | None = None
        self.outcome: str | None = None
        self.level: int | None = None
        self.reasons: tuple[str, ...] = ()
        self.rating_id: str | None = None
        self.phone: str | None = None  # personal: only between typing and sending
        self.message: str | None = None

    def transitions(self) -> list:
        return [
            (State.FLOW, ev.FlowFinished, self._finished),
            (State.DONE, rev.RatingChosen, self._chosen),
            (State.DONE, rev.RatingReasonsGiven, self._reasons),
            (State.DONE, rev.RatingCallbackAnswered, self._callback),
            (State.DONE, rev.RatingPhoneEntered, self._phone),
            (State.DONE, rev.RatingSkipped, self._skipped),
            (State.DONE, rev.RatingCallbackTaken, self._taken),
        ]

    def is_empty(self) -> bool:
        return self.phone is None

    def scrub(self) -> None:
        self.phone = None

    def reset(self) -> None:
        """The session ended: a rating is sent as soon as it is final, so only an unanswered page is lost."""
        self.scrub()
        self.page = self.service = self.outcome = self.level = self.rating_id = self.message = None
        self.reasons = ()

    def view_fields(self) -> dict:
        return {"rating_page": self.page, "rating_level": self.level, "rating_message": self.message}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        return None

    # -- handlers -----------------------------------------------------------------------------------------------
    def _finished(self, session: Session, event: ev.FlowFinished) -> list[Command]:
        service = session.service
        commands = session._flow_finished(event)
        # A locker's pickup is rated once the certificate is out and the door shut: a door left open, a stuck door
        # or the wrong person has its next step on the door screen, which the panel would cover.
        if service and (service != "pickup" or event.outcome == "picked_up"):
            self.page, self.service, self.outcome = "ask", service, event.outcome
            self.level, self.reasons, self.rating_id, self.message = None, (), str(uuid.uuid4()), None
        return commands

    def _submit(self, callback: bool = False) -> list[Command]:
        if self.level is None or self.service is None or self.rating_id is None:
            return []
        return [SubmitRating(self.rating_id, self.service, self.level, self.reasons, self.outcome or "", callback)]

    def _chosen(self, session: Session, event: rev.RatingChosen) -> list[Command]:
        session.touch()
        if self.page != "ask" or event.level not in LEVELS:
            return []
        self.level = event.level
        if event.level in LOW_LEVELS:
            self.page = "reasons"
            return []
        self.page = "thanks"
        return self._submit()

    def _reasons(self, session: Session, event: rev.RatingReasonsGiven) -> list[Command]:
        session.touch()
        if self.page != "reasons":
            return []
        self.reasons = tuple(r for r in LOW_REASONS if r in event.reasons)
        self.page = "callback"
        return []

    def _callback(self, session: Session, event: rev.RatingCallbackAnswered) -> list[Command]:
        session.touch()
        if self.page != "callback":
            return []
        if event.wanted:
            self.page = "phone"
            return []
        self.page = "thanks"
        return self._submit()

    def _phone(self, session: Session, event: rev.RatingPhoneEntered) -> list[Command]:
        session.touch()
        if self.page != "phone":
            return []
        if not PHONE.match(event.phone):
            self.message = "rating_phone_invalid"
            return []
        self.message = None
        self.page = "sending"
        return self._submit(callback=True) + [RequestCallback(self.rating_id, event.phone)]

    def _taken(self, session: Session, event: rev.RatingCallbackTaken) -> list[Command]:
        if self.page == "sending":
            self.page = "thanks"
            self.message = None if event.ok else "rating_callback_failed"
        return []

    def _skipped(self, session: Session, event: rev.RatingSkipped) -> list[Command]:
        session.touch()
        if self.page in (None, "thanks", "sending"):
            self.page = None
            return []
        commands = self._submit() if self.page in ("reasons", "callback", "phone") else []
        self.page = None
        return commands
