"""The session's call-staff part: a tap on any applicant screen raises a help request (the kiosk's step, nothing
about the person) and shows "工作人员马上就到" with the request's number until the applicant closes it.

The request belongs to the kiosk, not the applicant: it holds no personal data, and it stays open on the dashboard
until the staff member who came closes it there, even if the applicant's session ends first.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from kiosk.session import IN_SESSION, ANY, Command, Session, State
from kiosk.staff_help import events as hev

logger = logging.getLogger(__name__)

# Where a call for staff may be made: wherever an applicant is in front of the kiosk, and at the start screens.
CALLABLE_STATES = (*IN_SESSION, State.ATTRACT)
STEP_PATTERN = re.compile(r"^[a-z_]{1,32}(:[a-z_]{1,32}(:[A-Za-z_]{1,48})?)?$")


@dataclass(frozen=True)
class RaiseHelpRequest(Command):
    """Ask the gateway for staff: step names where the applicant is ("menu", "flow:payment:FeeStep")."""

    step: str


def step_of(session: Session) -> str:
    """The applicant's step as the state, the service and the flow step's type: names from the code only."""
    parts = [session.state.value]
    if session.state == State.FLOW and session.service:
        parts.append(session.service)
        if session.personal.flow is not None:
            parts.append(type(session.personal.flow).__name__)
    step = ":".join(parts)
    return step if STEP_PATTERN.match(step) else session.state.value


class HelpPart:
    def __init__(self):
        self.status: str | None = None  # None, "sending", "coming" (staff see it), "failed"
        self.number: str | None = None
        self.reason: str | None = None

    def transitions(self) -> list:
        return [
            (CALLABLE_STATES, hev.HelpRequested, self._requested),
            (ANY, hev.HelpRequestRaised, self._raised),
            (ANY, hev.HelpRequestFailed, self._failed),
            (ANY, hev.HelpNoticeClosed, self._closed),
        ]

    # -- no personal data: nothing to scrub; the notice goes when the session ends -----------------------------
    def is_empty(self) -> bool:
        return True

    def scrub(self) -> None:
        pass

    def reset(self) -> None:
        self.status = self.number = self.reason = None

    def view_fields(self) -> dict:
        return {"help_status": self.status, "help_number": self.number, "help_message": self.reason}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        return None

    # -- handlers -------------------------------------------------------------------------------------------------
    def _requested(self, session: Session, event: hev.HelpRequested) -> list[Command]:
        session.touch()
        if self.status in ("sending", "coming"):
            return []  # one request at a time: staff are already called
        self.status, self.number, self.reason = "sending", None, None
        step = step_of(session)
        logger.info("call staff requested at step %s", step)
        return [RaiseHelpRequest(step)]

    def _raised(self, session: Session, event: hev.HelpRequestRaised) -> list[Command]:
        if self.status == "sending":
            self.status, self.number = "coming", event.number
        return []

    def _failed(self, session: Session, event: hev.HelpRequestFailed) -> list[Command]:
        if self.status == "sending":
            self.status, self.reason = "failed", event.reason
        return []

    def _closed(self, session: Session, event: hev.HelpNoticeClosed) -> list[Command]:
        session.activity(event)
        self.status = self.number = self.reason = None
        return []
