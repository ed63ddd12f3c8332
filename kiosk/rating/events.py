"""The events of the rating panel: a level chosen, reasons given, the call-back answered, skipped."""
from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.events import Event


@dataclass(frozen=True)
class RatingChosen(Event):
    level: int  # 1 (非常不满意) .. 5 (非常满意)


@dataclass(frozen=True)
class RatingReasonsGiven(Event):
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RatingCallbackAnswered(Event):
    wanted: bool


@dataclass(frozen=True)
class RatingPhoneEntered(Event):
    phone: str = field(repr=False)


@dataclass(frozen=True)
class RatingSkipped(Event):
    """The applicant does not want to rate (or to say more): what was chosen so far is sent."""


@dataclass(frozen=True)
class RatingCallbackTaken(Event):
    ok: bool
