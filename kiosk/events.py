"""Events that drive the session state machine: from the applicant, the devices, the platform and the clock."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Event:
    """Base of every session event."""


@dataclass(frozen=True)
class UserActivity(Event):
    """Any touch on the screen; keeps the session alive."""


@dataclass(frozen=True)
class StartRequested(Event):
    """The applicant tapped the attract screen."""


@dataclass(frozen=True)
class CardRead(Event):
    card: Any  # peripherals.idcard.IdCard; Any keeps the state machine testable with any card-like object


@dataclass(frozen=True)
class CardRemoved(Event):
    pass


@dataclass(frozen=True)
class CodeScanned(Event):
    """A code read by the QR scanner that is not a staff credential (a pickup code, an acceptance notice...)."""

    code: str

    def __repr__(self) -> str:  # a pickup code is a credential: never print it whole
        return f"CodeScanned(code=<{len(self.code)} chars>)"


@dataclass(frozen=True)
class IdentityVerified(Event):
    """The live face matched the reference (or the demo's card-only method accepted the card)."""

    method: str
    score: float | None = None


@dataclass(frozen=True)
class VerificationFailed(Event):
    reason: str  # message key: no_match, no_face, liveness_failed, timeout, ...


@dataclass(frozen=True)
class VerificationProgress(Event):
    """Guidance for the applicant during the face check (message key: no_face, move_closer, blink, turn_left...)."""

    guidance: str
    attempt: int = 1
    seconds_left: float | None = None


@dataclass(frozen=True)
class ApplicantAuthorised(Event):
    """The gateway issued an applicant token after verification."""

    token: str


@dataclass(frozen=True)
class CasesLoaded(Event):
    cases: tuple
    stale_since: float | None = None  # set when shown from the offline cache


@dataclass(frozen=True)
class PlatformFailed(Event):
    reason: str  # message key


@dataclass(frozen=True)
class ServiceChosen(Event):
    service: str


@dataclass(frozen=True)
class FlowFinished(Event):
    outcome: str  # message key shown on the done screen
    receipt_pending: bool = False


@dataclass(frozen=True)
class BackRequested(Event):
    """Leave the current flow for the menu."""


@dataclass(frozen=True)
class CancelRequested(Event):
    """End the session from any step: back to attract, everything personal wiped."""


@dataclass(frozen=True)
class Tick(Event):
    now: float


@dataclass(frozen=True)
class DeviceStatusChanged(Event):
    device: str
    usable: bool
    status: str = ""


@dataclass(frozen=True)
class ConnectivityChanged(Event):
    """The gateway became unreachable (online=False) or reachable again; from kiosk.connectivity."""

    online: bool


@dataclass(frozen=True)
class MaintenanceRequested(Event):
    """A staff credential was checked; carries the staff member's id (never a name)."""

    staff_id: str


@dataclass(frozen=True)
class MaintenanceExited(Event):
    pass


@dataclass(frozen=True)
class ServiceModeCommanded(Event):
    """A fleet command: out of service with a message, or back in service."""

    in_service: bool
    message: str = ""


@dataclass(frozen=True)
class LanguageChanged(Event):
    language: str


@dataclass(frozen=True)
class FlowUpdate(Event):
    """A flow reports progress (its own view data, merged into the session's flow data)."""

    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FlowInput(Event):
    """The applicant's answer to a running flow (choose a case, confirm, cancel a payment...), from a screen."""

    action: str
    value: str | None = None
