"""The events of the service guide: opened, a business chosen, its slip asked for and printed (or not)."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event


@dataclass(frozen=True)
class GuideRequested(Event):
    pass


@dataclass(frozen=True)
class GuideBusinessChosen(Event):
    business: str


@dataclass(frozen=True)
class GuidePrintRequested(Event):
    pass


@dataclass(frozen=True)
class GuidePrinted(Event):
    ok: bool
