"""Events that drive the session state machine: from the applicant, the devices, the platform and the clock."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


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


# -- staff sign-in and maintenance pages (kiosk.maintenance) --------------------------------------------------------
@dataclass(frozen=True)
class StaffCredentialPresented(Event):
    """A staff card or staff QR code matched: the PIN pad is shown (locked_s > 0: entry is locked for that long)."""

    locked_s: float = 0.0


@dataclass(frozen=True)
class StaffPinEntered(Event):
    """The PIN typed on the staff PIN pad (checked off the core thread: kiosk.maintenance.session_part.CheckStaffPin)."""

    pin: str

    def __repr__(self) -> str:  # a PIN: never printed
        return f"StaffPinEntered(pin=<{len(self.pin)} digits>)"


@dataclass(frozen=True)
class StaffPinRejected(Event):
    """A wrong PIN (message key wrong_pin, with the attempts left) or the lockout it caused (maintenance_locked)."""

    message_key: str
    attempts_left: int | None = None
    locked_s: float = 0.0


@dataclass(frozen=True)
class MaintenancePageChosen(Event):
    """Staff chose a maintenance page (kiosk.maintenance.session_part.MAINTENANCE_PAGES)."""

    page: str


@dataclass(frozen=True)
class MaintenanceAction(Event):
    """Staff pressed a maintenance button: "verb" or "verb:value" (test:<device>, load_paper, load_blanks,
    blank_field:<first|last>, blank_key:<key>, deposit:<size>, door:<compartment>); kiosk.maintenance.desk runs it."""

    action: str


@dataclass(frozen=True)
class MaintenanceDeskChanged(Event):
    """What the maintenance pages show (kiosk.maintenance.desk.MaintenanceDesk.snapshot), for the view."""

    snapshot: dict


@dataclass(frozen=True)
class SessionSettingsChanged(Event):
    """The site file was reloaded (a fleet command): the session's timeouts from now on."""

    idle_timeout_s: float
    idle_warning_s: float
    done_timeout_s: float
    maintenance_idle_timeout_s: float


@dataclass(frozen=True)
class ServiceModeCommanded(Event):
    """A fleet command: out of service with a message, or back in service."""

    in_service: bool
    message: str = ""


@dataclass(frozen=True)
class LanguageChanged(Event):
    language: str


@dataclass(frozen=True, kw_only=True)
class FlowStep:
    """Base of the typed steps a flow shows (each flow declares its own, kiosk/flows/*, kiosk/pickup/steps.py); a
    screen renders a step by its type. message: a message key shown with the step (a lost connection...)."""

    message: str | None = None

    types: ClassVar[dict[str, type]] = {}  # every step type by its class name (kiosk.flows.steps.step_from_json)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        FlowStep.types[cls.__name__] = cls


@dataclass(frozen=True)
class FlowUpdate(Event):
    """A flow shows its next step (or the same step with new values): it replaces the step on screen."""

    step: FlowStep


@dataclass(frozen=True)
class FlowAnswer(Event):
    """The one way an answer reaches a running flow: from a screen (choose a case, confirm, a keypad key, a signature)
    or from the session (a card read the running flow asked for: action "card"). value: what the action needs."""

    action: str
    value: Any = None

    def __repr__(self) -> str:  # a value may be a PIN key, a signature or a card: never print it
        return f"FlowAnswer(action={self.action!r})"


# -- certificate pickup at a locker (kiosk.pickup) ------------------------------------------------------------------
@dataclass(frozen=True)
class PickupDigitsEntered(Event):
    """The 8 digits typed on the pickup keypad instead of scanning the code."""

    digits: str

    def __repr__(self) -> str:  # the digits open a door: never print them
        return f"PickupDigitsEntered(digits=<{len(self.digits)} chars>)"


@dataclass(frozen=True)
class PickupCodeChecked(Event):
    """A scanned code or typed digits checked offline (kiosk.pickup.verifier). outcome: "accepted" or a message key;
    code: the kiosk.pickup.PickupCode when accepted; locked_for_s > 0: code entry is locked for that long."""

    method: str
    outcome: str
    code: Any = None
    locked_for_s: float = 0.0


@dataclass(frozen=True)
class PickupAttempted(Event):
    """One audited pickup attempt (code scan, typed digits, or the identity check against the code): for the audit
    trail; the session only counts it as activity. Never carries the person, only the code id and the outcome."""

    method: str  # qr, digits or identity
    outcome: str  # accepted or a message key
    code_id: str | None = None
    compartment: str | None = None


@dataclass(frozen=True)
class LockerDoorOpened(Event):
    """A compartment door was opened for a pickup (journaled first; for the audit trail and the screen)."""

    compartment: str
    code_id: str | None = None


@dataclass(frozen=True)
class LockerAlarm(Event):
    """A locker alarm raised (active) or cleared: door_left_open, door_did_not_open, pickup_unsettled, ..."""

    alarm: str
    compartment: str
    active: bool = True


# -- audit trail (kiosk.audit_trail) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditNote(Event):
    """A security-relevant fact the runtime cannot see by itself, for the audit trail only (never for the session;
    delivered even after the session that caused it ended). details: ids, outcomes, counts - never personal data.
    actor: a staff id when staff did it (default: the signed-in staff member, else the kiosk). card: the IdCard the
    fact is about (e.g. a party's verification in a flow): the trail records it as a keyed pseudonym only."""

    action: str
    details: dict = field(default_factory=dict)
    actor: str | None = None
    card: Any = field(default=None, repr=False)
