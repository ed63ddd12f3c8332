"""The session state machine: attract -> identify -> verify -> menu -> flow -> done -> attract, driven by events.

Plain Python with an injected clock, so every transition, timeout and wipe is tested without a screen. It decides
and records; the runtime carries out the commands it returns (start verification, load cases, start a flow) off the UI
thread and feeds the results back as events.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable, Iterable

from kiosk import events as ev
from kiosk.codes import CodeKind, acceptance_notice_case, classify
from kiosk.privacy import mask_id_number, mask_name

logger = logging.getLogger(__name__)


class State(StrEnum):
    ATTRACT = "attract"
    IDENTIFY = "identify"
    VERIFY = "verify"
    MENU = "menu"
    FLOW = "flow"
    DONE = "done"
    OUT_OF_SERVICE = "out_of_service"
    MAINTENANCE = "maintenance"
    PICKUP_CODE = "pickup_code"  # a locker: a pickup code was scanned or typed (being checked, or refused)
    STAFF_PIN = "staff_pin"  # a staff card or QR code was presented: the PIN pad


# States in which an applicant is in front of the kiosk and personal data may be held.
APPLICANT_STATES = frozenset({State.IDENTIFY, State.VERIFY, State.MENU, State.FLOW, State.DONE, State.PICKUP_CODE})

# The pages of maintenance mode (screens/maintenance*.py); "home" is the device status and tests.
MAINTENANCE_PAGES = ("home", "stock", "locker", "log", "camera")

# Which devices a service cannot run without; the menu offers a service only while they are usable.
SERVICE_DEVICES: dict[str, tuple[str, ...]] = {
    "case_status": (),
    "payment": ("receipt_printer",),
    "proof": ("document_printer",),
    "certificate_print": ("certificate_printer",),
    "e_certificate": (),
    "transfers": (),
    "pickup": ("locker", "scanner"),
    "mortgage_signing": (),
    "mortgage_certificate": ("document_printer",),
}

# Services that cannot work without the gateway; refused while offline. Case status (from the cache), pickup (codes
# verified locally) and printing what was already paid keep working.
NETWORK_SERVICES = frozenset({"payment", "proof", "transfers", "e_certificate", "mortgage_signing",
                              "mortgage_certificate"})

# Flows that read cards themselves (each party of a mortgage signs in turn): the session leaves card reads to them.
FLOWS_READING_CARDS = frozenset({"mortgage_signing"})


# Commands: what the session asks the runtime to do. The runtime answers with events.
@dataclass(frozen=True)
class Command:
    pass


@dataclass(frozen=True)
class StartVerification(Command):
    method: str
    card: Any


@dataclass(frozen=True)
class AuthoriseApplicant(Command):
    card: Any
    method: str
    score: float | None
    token: str | None = field(default=None, repr=False)  # already minted by the gateway's identity decision


@dataclass(frozen=True)
class LoadCases(Command):
    token: str
    id_number: str = ""  # keys the offline case cache; never shown or logged


@dataclass(frozen=True)
class StartFlow(Command):
    service: str
    token: str | None = None


@dataclass(frozen=True)
class DeliverFlowInput(Command):
    """Hand the applicant's answer to the running flow."""

    action: str
    value: str | None = None


@dataclass(frozen=True)
class SessionEnded(Command):
    """Stop whatever is running for the applicant (camera, flows); personal data is already wiped."""

    reason: str


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


@dataclass
class PersonalData:
    """Everything the session knows about the applicant; wiped as a whole when the session ends."""

    card: Any = None
    token: str | None = None
    verification: dict | None = None
    cases: list = field(default_factory=list)
    cases_stale_since: float | None = None
    cases_loaded: bool = False  # an empty list from the gateway is an answer, not "still loading"
    flow_data: dict = field(default_factory=dict)
    signature: bytearray | None = None
    face_encodings: list = field(default_factory=list)
    pickup_code: Any = None  # kiosk.pickup.PickupCode accepted at a locker, until the door has opened
    notice_case_id: str | None = None  # from a scanned acceptance notice, until the card and face check

    def is_empty(self) -> bool:
        return (self.card is None and self.token is None and self.verification is None and not self.cases
                and self.cases_stale_since is None and not self.cases_loaded and not self.flow_data and self.signature is None
                and not self.face_encodings and self.pickup_code is None and self.notice_case_id is None)

    def scrub(self) -> None:
        """Clear in place, so other holders of these containers see them empty too."""
        if self.signature is not None:
            self.signature[:] = bytes(len(self.signature))
        for encoding in self.face_encodings:
            try:
                encoding.fill(0)
            except AttributeError:
                pass
        self.cases.clear()
        self.flow_data.clear()
        self.face_encodings.clear()
        self.card = self.token = self.verification = self.signature = self.cases_stale_since = None
        self.pickup_code = None
        self.notice_case_id = None
        self.cases_loaded = False


@dataclass(frozen=True)
class SessionView:
    """What the screens render: a snapshot with personal data already masked where full display is not needed."""

    state: State
    language: str
    idle_warning: bool = False
    countdown_s: int | None = None
    applicant_name: str = ""
    applicant_id: str = ""
    cases: tuple = ()
    cases_stale_since: float | None = None
    cases_loaded: bool = False
    services: tuple[str, ...] = ()
    services_unavailable: tuple[str, ...] = ()
    service: str | None = None
    flow_data: dict = field(default_factory=dict)
    outcome: str | None = None
    message: str | None = None
    out_of_service_message: str = ""
    unusable_devices: tuple[str, ...] = ()
    staff_id: str | None = None
    receipt_pending: bool = False
    verify_guidance: str | None = None
    verify_attempt: int = 0
    verify_seconds_left: float | None = None
    online: bool = True  # False: the screens show the offline banner
    notice_case_id: str | None = None  # a scanned acceptance notice's case, shown while waiting for the card
    pickup_locked_s: int | None = None  # pickup code entry locked after too many failures: seconds left
    locker_alarms: tuple[str, ...] = ()  # compartments whose door is left open
    maintenance_page: str = "home"
    staff_attempts_left: int | None = None  # on the PIN pad after a wrong PIN
    staff_locked_s: int | None = None  # on the PIN pad while entry is locked


Observer = Callable[[SessionView], None]


class Session:
    def __init__(self, services: Iterable[str], required_devices: Iterable[str] = (), *,
                 idle_timeout_s: float = 60, idle_warning_s: float = 20, done_timeout_s: float = 15,
                 maintenance_idle_timeout_s: float = 300, identity_method: str = "face",
                 language: str = "zh_CN", clock: Callable[[], float] = time.monotonic):
        self.services = tuple(services)
        self.required_devices = frozenset(required_devices)
        self.idle_timeout_s = idle_timeout_s
        self.idle_warning_s = idle_warning_s
        self.done_timeout_s = done_timeout_s
        self.maintenance_idle_timeout_s = maintenance_idle_timeout_s
        self.identity_method = identity_method
        self.default_language = language
        self.clock = clock

        self.state = State.ATTRACT
        self.language = language
        self.personal = PersonalData()
        self.service: str | None = None
        self.outcome: str | None = None
        self.message: str | None = None
        self.receipt_pending = False
        self.staff_id: str | None = None
        self.maintenance_page = "home"
        self.staff_attempts_left: int | None = None
        self.staff_locked_s: int | None = None
        self.unusable: set[str] = set()
        self.verify_progress: ev.VerificationProgress | None = None
        self.fleet_message: str | None = None
        self.online = True
        self.pickup_locked_until: float | None = None  # kiosk-wide, not the applicant's: survives a reset
        self.pickup_locked_s: int | None = None  # what the screen shows; moved on by ticks
        self.locker_alarms: set[str] = set()
        self.idle_warning = False
        self.last_activity = clock()
        self.state_since = self.last_activity
        self._observers: list[Observer] = []
        self._handlers: dict[type, Callable[[Any], list[Command]]] = {
            ev.UserActivity: self._on_activity,
            ev.StartRequested: self._on_start,
            ev.CardRead: self._on_card_read,
            ev.CardRemoved: self._on_activity,
            ev.CodeScanned: self._on_code_scanned,
            ev.IdentityVerified: self._on_verified,
            ev.VerificationFailed: self._on_verification_failed,
            ev.VerificationProgress: self._on_verification_progress,
            ev.ApplicantAuthorised: self._on_authorised,
            ev.CasesLoaded: self._on_cases,
            ev.PlatformFailed: self._on_platform_failed,
            ev.ServiceChosen: self._on_service,
            ev.FlowUpdate: self._on_flow_update,
            ev.FlowInput: self._on_flow_input,
            ev.FlowFinished: self._on_flow_finished,
            ev.BackRequested: self._on_back,
            ev.CancelRequested: self._on_cancel,
            ev.Tick: self._on_tick,
            ev.DeviceStatusChanged: self._on_device,
            ev.MaintenanceRequested: self._on_maintenance,
            ev.MaintenanceExited: self._on_maintenance_exit,
            ev.StaffCredentialPresented: self._on_staff_credential,
            ev.StaffPinRejected: self._on_staff_pin_rejected,
            ev.MaintenancePageChosen: self._on_maintenance_page,
            ev.ServiceModeCommanded: self._on_service_mode,
            ev.LanguageChanged: self._on_language,
            ev.ConnectivityChanged: self._on_connectivity,
            ev.PickupDigitsEntered: self._on_pickup_digits,
            ev.PickupCodeChecked: self._on_pickup_checked,
            ev.PickupAttempted: self._on_activity,
            ev.LockerDoorOpened: self._on_door_opened,
            ev.LockerAlarm: self._on_locker_alarm,
        }

    @classmethod
    def from_config(cls, config, clock: Callable[[], float] = time.monotonic) -> "Session":
        s = config.session
        return cls([x.value for x in config.site.services], [d.value for d in config.site.required_devices],
                   idle_timeout_s=s.idle_timeout_s, idle_warning_s=s.idle_warning_s,
                   done_timeout_s=s.done_timeout_s, maintenance_idle_timeout_s=s.maintenance_idle_timeout_s,
                   identity_method=config.identity.method, language=config.ui.language, clock=clock)

    # -- public -----------------------------------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def handle(self, event: ev.Event) -> list[Command]:
        """Apply one event; returns the commands for the runtime. Observers see the new view if anything changed."""
        handler = self._handlers.get(type(event))
        if handler is None:
            logger.warning("session ignores unknown event %s", type(event).__name__)
            return []
        before = self.view()
        commands = handler(event) or []
        after = self.view()
        if after != before:
            for observer in list(self._observers):
                observer(after)
        return commands

    def available_services(self) -> tuple[str, ...]:
        return tuple(s for s in self.services if not set(SERVICE_DEVICES.get(s, ())) & self.unusable
                     and (self.online or s not in NETWORK_SERVICES))

    def view(self) -> SessionView:
        p = self.personal
        card = p.card
        countdown = None
        if self.idle_warning:
            countdown = max(0, int(round(self._warning_ends() - self.clock())))
        available = self.available_services()
        return SessionView(
            state=self.state, language=self.language, idle_warning=self.idle_warning, countdown_s=countdown,
            applicant_name=mask_name(getattr(card, "name", None) or getattr(card, "name_en", None)) if card else "",
            applicant_id=mask_id_number(getattr(card, "id_number", None)) if card else "",
            cases=tuple(p.cases), cases_stale_since=p.cases_stale_since,
            cases_loaded=p.cases_loaded,
            services=available, services_unavailable=tuple(s for s in self.services if s not in available),
            service=self.service, flow_data=dict(p.flow_data),
            outcome=self.outcome, message=self.message,
            out_of_service_message=self._out_of_service_reason() or "",
            unusable_devices=tuple(sorted(self.unusable)), staff_id=self.staff_id,
            receipt_pending=self.receipt_pending,
            verify_guidance=self.verify_progress.guidance if self.verify_progress else None,
            verify_attempt=self.verify_progress.attempt if self.verify_progress else 0,
            verify_seconds_left=self.verify_progress.seconds_left if self.verify_progress else None,
            online=self.online, notice_case_id=p.notice_case_id, pickup_locked_s=self.pickup_locked_s,
            locker_alarms=tuple(sorted(self.locker_alarms)), maintenance_page=self.maintenance_page,
            staff_attempts_left=self.staff_attempts_left, staff_locked_s=self.staff_locked_s)

    # -- helpers ----------------------------------------------------------------------------------------------
    def _enter(self, state: State) -> None:
        if state != self.state:
            logger.info("session %s -> %s", self.state.value, state.value)
            self.verify_progress = None
        self.state = state
        self.state_since = self.clock()
        self.idle_warning = False

    def _touch(self) -> None:
        self.last_activity = self.clock()
        self.idle_warning = False

    def _warning_ends(self) -> float:
        return self.last_activity + self.idle_timeout_s + self.idle_warning_s

    def _out_of_service_reason(self) -> str | None:
        if self.fleet_message is not None:
            return self.fleet_message or "out_of_service"
        if self.unusable & self.required_devices:
            return "device_unavailable"
        return None

    def _reset(self, reason: str, message: str | None = None) -> list[Command]:
        """Back to attract (or out of service): every piece of personal data is wiped first."""
        self.personal.scrub()
        self.personal = PersonalData()
        self.service = None
        self.outcome = None
        self.receipt_pending = False
        self.staff_id = None
        self.maintenance_page = "home"
        self.staff_attempts_left = self.staff_locked_s = None
        self.language = self.default_language
        self.message = message
        self._enter(State.OUT_OF_SERVICE if self._out_of_service_reason() else State.ATTRACT)
        self._touch()
        return [SessionEnded(reason)]

    def _begin_with_card(self, card) -> list[Command]:
        self.personal.card = card
        self.message = None
        if getattr(card, "expired", False):
            self.personal.card = None
            self.message = "card_expired"
            self._enter(State.IDENTIFY)
            return []
        self._enter(State.VERIFY)
        return [StartVerification(self.identity_method, card)]

    # -- handlers ---------------------------------------------------------------------------------------------
    def _on_activity(self, event) -> list[Command]:
        if self.state in APPLICANT_STATES or self.state in (State.MAINTENANCE, State.STAFF_PIN):
            self._touch()
        return []

    def _on_start(self, event: ev.StartRequested) -> list[Command]:
        if self.state == State.ATTRACT:
            self.message = None
            self._enter(State.IDENTIFY)
            self._touch()
        return []

    def _on_code_scanned(self, event: ev.CodeScanned) -> list[Command]:
        """A scanned code; what it starts (a pickup, an acceptance notice lookup) is decided per service."""
        if "pickup" in self.services and classify(event.code) == CodeKind.PICKUP:
            return self._on_pickup_code("qr", event.code)
        if classify(event.code) == CodeKind.ACCEPTANCE_NOTICE:
            return self._on_acceptance_notice(event.code)
        return self._on_activity(event)

    # -- acceptance notice: its QR names a case, opened once its owner has passed the card and face check --------
    def _on_acceptance_notice(self, code: str) -> list[Command]:
        if self.state not in (State.ATTRACT, State.IDENTIFY) or self.personal.card is not None \
                or "case_status" not in self.services:
            return self._on_activity(None)
        self.personal.notice_case_id = acceptance_notice_case(code)
        self.message = None
        self._enter(State.IDENTIFY)
        self._touch()
        return []

    def _open_notice_case(self) -> list[Command]:
        """The notice's case if it is this person's, otherwise their case list, saying nothing of the other case."""
        case_id, self.personal.notice_case_id = self.personal.notice_case_id, None
        if "case_status" not in self.available_services():
            return []
        self.personal.flow_data.clear()
        if any(getattr(case, "case_id", None) == case_id for case in self.personal.cases):
            self.personal.flow_data["focus_case"] = case_id
        self.service = "case_status"
        self.outcome = None
        self._enter(State.FLOW)
        self._touch()
        return [StartFlow("case_status", self.personal.token)]

    def _on_card_read(self, event: ev.CardRead) -> list[Command]:
        if self.state in (State.OUT_OF_SERVICE, State.MAINTENANCE, State.STAFF_PIN):
            return []  # maintenance card tests and staff cards are handled by the maintenance flow
        if self.state in (State.ATTRACT, State.PICKUP_CODE) and self._pickup_only():
            return self._on_card_before_code(event.card)
        if self.state == State.FLOW and self.service in FLOWS_READING_CARDS:
            self._touch()
            return []  # the next party's card: the running flow takes it
        card = self.personal.card
        if card is not None and getattr(card, "id_number", None) == getattr(event.card, "id_number", object()):
            self._touch()
            return []  # the same card again: nothing new
        commands: list[Command] = []
        if self.state in (State.MENU, State.FLOW, State.DONE, State.VERIFY):
            # Someone else's card: the previous applicant's session ends before the new one starts.
            commands = self._reset("new_card")
        self._touch()
        return commands + self._begin_with_card(event.card)

    def _on_verified(self, event: ev.IdentityVerified) -> list[Command]:
        if self.state != State.VERIFY or self.personal.card is None:
            return []
        if self.personal.pickup_code is not None:
            return self._begin_pickup(event)
        self.personal.verification = {"method": event.method, "score": event.score, "at": time.time()}
        self.message = None
        self._enter(State.MENU)
        self._touch()
        return [AuthoriseApplicant(self.personal.card, event.method, event.score, event.token)]

    def _on_verification_failed(self, event: ev.VerificationFailed) -> list[Command]:
        if self.state != State.VERIFY:
            return []
        # The verifier has already used up its attempts when it sends this: the applicant is sent to staff.
        self.outcome = "ask_staff"
        self.message = event.reason
        self.personal.scrub()
        self._enter(State.DONE)
        self._touch()
        return [SessionEnded("verification_failed")]

    def _on_verification_progress(self, event: ev.VerificationProgress) -> list[Command]:
        if self.state == State.VERIFY:
            self.verify_progress = event
            self._touch()  # the applicant is busy with the camera, not idle
        return []

    def _on_authorised(self, event: ev.ApplicantAuthorised) -> list[Command]:
        if self.state not in (State.MENU, State.FLOW) or self.personal.verification is None:
            return []
        self.personal.token = event.token
        return [LoadCases(event.token, getattr(self.personal.card, "id_number", ""))]

    def _on_cases(self, event: ev.CasesLoaded) -> list[Command]:
        if self.state not in (State.MENU, State.FLOW) or self.personal.verification is None:
            return []
        self.personal.cases = list(event.cases)
        self.personal.cases_stale_since = event.stale_since
        self.personal.cases_loaded = True
        if self.personal.notice_case_id is not None and self.state == State.MENU:
            return self._open_notice_case()
        return []

    def _on_platform_failed(self, event: ev.PlatformFailed) -> list[Command]:
        if self.state in APPLICANT_STATES:
            self.message = event.reason
        return []

    def _on_service(self, event: ev.ServiceChosen) -> list[Command]:
        if self.state != State.MENU or event.service not in self.available_services():
            if (self.state == State.MENU and not self.online and event.service in NETWORK_SERVICES
                    and event.service in self.services):
                self.message = "service_offline"
            return []
        self.service = event.service
        self.outcome = None
        self.message = None
        self.personal.notice_case_id = None  # the applicant chose for themselves
        self._enter(State.FLOW)
        self._touch()
        return [StartFlow(event.service, self.personal.token)]

    def _on_flow_update(self, event: ev.FlowUpdate) -> list[Command]:
        if self.state != State.FLOW:
            return []
        self.personal.flow_data.update(event.data)
        self._touch()
        return []

    def _on_flow_input(self, event: ev.FlowInput) -> list[Command]:
        if self.state != State.FLOW:
            return []
        self._touch()
        return [DeliverFlowInput(event.action, event.value)]

    def _on_flow_finished(self, event: ev.FlowFinished) -> list[Command]:
        if self.state != State.FLOW:
            return []
        self.outcome = event.outcome
        self.receipt_pending = event.receipt_pending
        self._enter(State.DONE)
        self._touch()
        return []

    def _on_back(self, event: ev.BackRequested) -> list[Command]:
        if self.state in (State.FLOW, State.DONE) and self.personal.verification is not None:
            self.service = None
            self.outcome = None
            self.message = None
            self.personal.flow_data.clear()
            self._enter(State.MENU)
            self._touch()
        return []

    def _on_cancel(self, event: ev.CancelRequested) -> list[Command]:
        if self.state in APPLICANT_STATES or self.state == State.STAFF_PIN:
            return self._reset("cancelled")
        return []

    def _on_tick(self, event: ev.Tick) -> list[Command]:
        now = event.now
        self._tick_pickup_lock()
        if self.state == State.MAINTENANCE:
            if now - self.last_activity >= self.maintenance_idle_timeout_s:
                return self._reset("maintenance_timeout")
            return []
        if self.state == State.STAFF_PIN:  # a PIN pad left alone goes back to attract, no warning
            if now - self.last_activity >= self.idle_timeout_s:
                return self._reset("staff_pin_timeout")
            return []
        if self.state == State.DONE:
            if now - self.state_since >= self.done_timeout_s and now - self.last_activity >= self.done_timeout_s:
                return self._reset("done")
            return []
        if self.state not in APPLICANT_STATES:
            return []
        idle = now - self.last_activity
        if idle >= self.idle_timeout_s + self.idle_warning_s:
            return self._reset("timeout", message="timed_out")
        if idle >= self.idle_timeout_s:
            self.idle_warning = True
        return []

    def _on_device(self, event: ev.DeviceStatusChanged) -> list[Command]:
        if event.usable:
            self.unusable.discard(event.device)
        else:
            self.unusable.add(event.device)
        return self._settle_service_mode()

    def _on_service_mode(self, event: ev.ServiceModeCommanded) -> list[Command]:
        self.fleet_message = None if event.in_service else event.message
        return self._settle_service_mode()

    def _settle_service_mode(self) -> list[Command]:
        # An applicant mid-session keeps going; the kiosk goes out of service when the session ends.
        if self.state == State.ATTRACT and self._out_of_service_reason():
            self._enter(State.OUT_OF_SERVICE)
        elif self.state == State.OUT_OF_SERVICE and not self._out_of_service_reason():
            self._enter(State.ATTRACT)
        return []

    def _on_maintenance(self, event: ev.MaintenanceRequested) -> list[Command]:
        if self.state not in (State.ATTRACT, State.OUT_OF_SERVICE, State.STAFF_PIN):
            return []
        self.staff_id = event.staff_id
        self.maintenance_page = "home"
        self.message = None
        self.staff_attempts_left = self.staff_locked_s = None
        self._enter(State.MAINTENANCE)
        self._touch()
        return []

    def _on_staff_credential(self, event: ev.StaffCredentialPresented) -> list[Command]:
        # At attract (or on the identify prompt, before any applicant data is held), or out of service.
        if self.state not in (State.ATTRACT, State.OUT_OF_SERVICE, State.IDENTIFY, State.STAFF_PIN):
            return []
        if self.state == State.IDENTIFY:
            self.personal.scrub()
        self.staff_attempts_left = None
        self.staff_locked_s = int(event.locked_s + 0.999) if event.locked_s > 0 else None
        self.message = "maintenance_locked" if self.staff_locked_s else None
        self._enter(State.STAFF_PIN)
        self._touch()
        return []

    def _on_staff_pin_rejected(self, event: ev.StaffPinRejected) -> list[Command]:
        if self.state != State.STAFF_PIN:
            return []
        self.message = event.message_key
        self.staff_attempts_left = event.attempts_left
        self.staff_locked_s = int(event.locked_s + 0.999) if event.locked_s > 0 else None
        self._touch()
        return []

    def _on_maintenance_page(self, event: ev.MaintenancePageChosen) -> list[Command]:
        if self.state == State.MAINTENANCE and event.page in MAINTENANCE_PAGES:
            self.maintenance_page = event.page
            self._touch()
        return []

    def _on_maintenance_exit(self, event: ev.MaintenanceExited) -> list[Command]:
        if self.state != State.MAINTENANCE:
            return []
        return self._reset("maintenance_exit")

    def _on_connectivity(self, event: ev.ConnectivityChanged) -> list[Command]:
        # A flow already running keeps going: it meets the platform error itself and reports it.
        self.online = event.online
        return []

    def _on_language(self, event: ev.LanguageChanged) -> list[Command]:
        if event.language in ("zh_CN", "en"):
            self.language = event.language
            self._on_activity(event)
        return []

    # -- certificate pickup at a locker ---------------------------------------------------------------------------
    # code (scanned or typed) -> PICKUP_CODE while it is checked -> IDENTIFY -> VERIFY (the usual card + face check)
    # -> FLOW "pickup" (the door) -> DONE. A refused code stays on PICKUP_CODE with its message, to try again.
    def _pickup_only(self) -> bool:
        return self.services == ("pickup",)

    def _tick_pickup_lock(self) -> None:
        """The lockout countdown on screen (a tick changes the view only when the whole seconds left change)."""
        if self.pickup_locked_until is None:
            self.pickup_locked_s = None
            return
        left = self.pickup_locked_until - self.clock()
        if left <= 0:
            self.pickup_locked_until = self.pickup_locked_s = None
        else:
            self.pickup_locked_s = int(left) + 1

    def _on_pickup_code(self, method: str, text: str) -> list[Command]:
        if "pickup" not in self.services or self.state not in (State.ATTRACT, State.PICKUP_CODE):
            return self._on_activity(None)  # mid-session a code changes nothing
        self.service = "pickup"
        self.message = None
        self.personal.flow_data.clear()
        self.personal.flow_data["step"] = "checking"
        self._enter(State.PICKUP_CODE)
        self._touch()
        return [CheckPickupCode(method, text)]

    def _on_pickup_digits(self, event: ev.PickupDigitsEntered) -> list[Command]:
        return self._on_pickup_code("digits", event.digits)

    def _on_pickup_checked(self, event: ev.PickupCodeChecked) -> list[Command]:
        if self.state != State.PICKUP_CODE:
            return []
        self._touch()
        self.pickup_locked_until = self.clock() + event.locked_for_s if event.locked_for_s > 0 else None
        self._tick_pickup_lock()
        if event.outcome != "accepted" or event.code is None:
            self.message = event.outcome
            self.personal.flow_data["step"] = "refused"
            return []
        self.personal.pickup_code = event.code
        self.personal.flow_data.update(step="identify", compartment=event.code.compartment)
        self.message = "pickup_code_accepted"
        self._enter(State.IDENTIFY)
        card, self.personal.card = self.personal.card, None
        return self._begin_with_card(card) if card is not None else []

    def _on_card_before_code(self, card) -> list[Command]:
        """A card before any code: the locker says to scan the code first and keeps nothing. A card placed while a
        code is being checked (or after a refusal) waits in the session for the code."""
        self._touch()
        if self.state == State.PICKUP_CODE:
            self.personal.card = card
            return []
        self.message = "pickup_scan_first"
        return []

    def _begin_pickup(self, event: ev.IdentityVerified) -> list[Command]:
        self.personal.verification = {"method": event.method, "score": event.score, "at": time.time()}
        code, card = self.personal.pickup_code, self.personal.card
        self.personal.pickup_code = None  # one door opening per accepted code
        self.message = None
        self.service = "pickup"
        self.personal.flow_data.update(step="opening", compartment=code.compartment)
        self._enter(State.FLOW)
        self._touch()
        return [OpenCompartment(code, card)]

    def _on_door_opened(self, event: ev.LockerDoorOpened) -> list[Command]:
        if self.state == State.FLOW and self.service == "pickup":
            self.personal.flow_data.update(step="take", compartment=event.compartment)
            self._touch()
        return []

    def _on_locker_alarm(self, event: ev.LockerAlarm) -> list[Command]:
        if event.alarm != "door_left_open":
            return []
        if event.active:
            self.locker_alarms.add(event.compartment)
        else:
            self.locker_alarms.discard(event.compartment)
        return []
