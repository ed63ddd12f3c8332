"""The events of a staff-assisted check: the applicant asks, staff sign with PIN and reason, the gateway answers."""
from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.events import Event


@dataclass(frozen=True)
class StaffAssistRequested(Event):
    """The applicant (or staff) chose a staff-assisted check instead of the face check."""


@dataclass(frozen=True)
class StaffAssistPinEntered(Event):
    pin: str = field(repr=False)


@dataclass(frozen=True)
class StaffAssistConfirmed(Event):
    """Staff checked the person against the ID card and chose why the face check cannot be used."""

    reason: str  # elderly, disability, camera_failure, other
    text: str = field(default="", repr=False)  # with "other": a few words (no numbers), never logged


@dataclass(frozen=True)
class StaffAssistAccepted(Event):
    token: str = field(repr=False)
    staff_id: str = ""
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffAssistRefused(Event):
    code: str  # the gateway's error code (wrong_pin, staff_locked, credential_used, staff_other_hall...)
    attempts_left: int | None = None
