"""The session's queue part: without an ID card, the applicant picks a business (or scans the appointment QR code of
an online booking) and takes the printed queue ticket. Nothing about the person is held.

QUEUE pages: choose -> issuing -> ticket (or back to choose with a message). An appointment code scanned at the start
screens checks in at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.hall_queue import BUSINESSES
from kiosk.hall_queue import events as qev
from kiosk.session import Command, Session, State

logger = logging.getLogger(__name__)

APPOINTMENT_PREFIX = "APPT1:"


@dataclass(frozen=True)
class IssueQueueTicket(Command):
    business: str | None = None  # a business chosen, or
    appointment_code: str | None = None  # an appointment's QR code


class QueuePart:
    def __init__(self, *, offered: bool = True):
        self.offered = offered
        self.page: str | None = None
        self.ticket: dict | None = None
        self.printed = False
        self.message: str | None = None

    def transitions(self) -> list:
        rows = [
            ((State.ATTRACT, State.IDENTIFY), qev.QueueRequested, self._start),
            (State.QUEUE, qev.QueueRequested, self._start),
            (State.QUEUE, qev.QueueBusinessChosen, self._chosen),
            (State.QUEUE, ev.CodeScanned, self._code),
            (State.QUEUE, qev.QueueTicketIssued, self._issued),
            (State.QUEUE, qev.QueueTicketFailed, self._failed),
            (State.QUEUE, ev.BackRequested, self._back),
        ]
        if self.offered:
            rows += [((State.ATTRACT, State.IDENTIFY), ev.CodeScanned, self._code_at_start)]
        return rows

    def is_empty(self) -> bool:
        return True

    def scrub(self) -> None:
        pass

    def reset(self) -> None:
        self.page = self.ticket = self.message = None
        self.printed = False

    def view_fields(self) -> dict:
        return {"queue_page": self.page, "queue_ticket": self.ticket, "queue_printed": self.printed,
                "queue_message": self.message}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        return None

    def _start(self, session: Session, event) -> list[Command]:
        if not self.offered or session.personal.card is not None:
            return []
        self.page, self.ticket, self.message, self.printed = "choose", None, None, False
        session.enter(State.QUEUE)
        session.touch()
        return []

    def _chosen(self, session: Session, event: qev.QueueBusinessChosen) -> list[Command]:
        session.touch()
        if self.page != "choose" or event.business not in BUSINESSES:
            return []
        self.page, self.message = "issuing", None
        return [IssueQueueTicket(business=event.business)]

    def _code(self, session: Session, event: ev.CodeScanned) -> list[Command]:
        session.touch()
        if not event.code.startswith(APPOINTMENT_PREFIX) or self.page == "issuing":
            return []
        self.page, self.message, self.ticket = "issuing", None, None
        return [IssueQueueTicket(appointment_code=event.code)]

    def _code_at_start(self, session: Session, event: ev.CodeScanned) -> list[Command]:
        if not event.code.startswith(APPOINTMENT_PREFIX) or session.personal.card is not None:
            return session._code_scanned(event)  # a pickup code, an acceptance notice: the core's
        self._start(session, event)
        return self._code(session, event)

    def _issued(self, session: Session, event: qev.QueueTicketIssued) -> list[Command]:
        if self.page == "issuing":
            self.page, self.ticket, self.printed = "ticket", dict(event.ticket), event.printed
        return []

    def _failed(self, session: Session, event: qev.QueueTicketFailed) -> list[Command]:
        if self.page == "issuing":
            self.page, self.message = "choose", event.reason
        return []

    def _back(self, session: Session, event) -> list[Command]:
        self.page, self.ticket, self.message = "choose", None, None
        session.touch()
        return []
