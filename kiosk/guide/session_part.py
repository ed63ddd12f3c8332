"""The session's service-guide part: without an ID card, the applicant reads what each business needs and may print
it as a slip. GUIDE pages: list -> detail (-> printing -> detail with the outcome). Nothing about the person."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.guide import load
from kiosk.guide import events as gev
from kiosk.session import Command, Session, State

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintGuideSlip(Command):
    business: str
    language: str


class GuidePart:
    def __init__(self, *, offered: bool = True):
        self.offered = offered
        self.page: str | None = None
        self.business: str | None = None
        self.message: str | None = None

    def transitions(self) -> list:
        return [
            ((State.ATTRACT, State.IDENTIFY, State.GUIDE), gev.GuideRequested, self._start),
            (State.GUIDE, gev.GuideBusinessChosen, self._chosen),
            (State.GUIDE, gev.GuidePrintRequested, self._print),
            (State.GUIDE, gev.GuidePrinted, self._printed),
            (State.GUIDE, ev.BackRequested, self._back),
        ]

    def is_empty(self) -> bool:
        return True

    def scrub(self) -> None:
        pass

    def reset(self) -> None:
        self.page = self.business = self.message = None

    def view_fields(self) -> dict:
        return {"guide_page": self.page, "guide_business": self.business, "guide_message": self.message}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        return None

    def _start(self, session: Session, event) -> list[Command]:
        if not self.offered or session.personal.card is not None:
            return []
        self.page, self.business, self.message = "list", None, None
        session.enter(State.GUIDE)
        session.touch()
        return []

    def _chosen(self, session: Session, event: gev.GuideBusinessChosen) -> list[Command]:
        session.touch()
        if event.business in load():
            self.page, self.business, self.message = "detail", event.business, None
        return []

    def _print(self, session: Session, event) -> list[Command]:
        session.touch()
        if self.page != "detail" or self.business is None:
            return []
        self.page, self.message = "printing", None
        return [PrintGuideSlip(self.business, session.language)]

    def _printed(self, session: Session, event: gev.GuidePrinted) -> list[Command]:
        if self.page == "printing":
            self.page, self.message = "detail", "guide.printed" if event.ok else "guide.not_printed"
        return []

    def _back(self, session: Session, event) -> list[Command]:
        session.touch()
        if self.page in ("detail", "printing"):
            self.page, self.business, self.message = "list", None, None
        else:
            return session.reset("guide_closed")
        return []
