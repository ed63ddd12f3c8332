"""The session state machine's core: attract -> identify -> verify -> menu -> flow -> done -> attract, driven by events.

Plain Python with an injected clock, so every transition, timeout and wipe is tested without a screen. It decides
and records; the runtime carries out the commands it returns (start verification, load cases, start a flow) off the UI
thread and feeds the results back as events. Its transitions are one table, (state, event type) -> handler
(Session.TRANSITIONS); the locker's pickup (kiosk.pickup.session_part) and staff sign-in and maintenance mode
(kiosk.maintenance.session_part) are parts with their own rows, their own data and their own scrub.
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
    STAFF_ASSIST = "staff_assist"  # a staff member vouches for the applicant (kiosk.staff_assist)
    QUEUE = "queue"  # a queue ticket or an appointment check-in, no ID card (kiosk.hall_queue)
    GUIDE = "guide"  # the service guide, no ID card (kiosk.guide)


# States in which an applicant is in front of the kiosk and personal data may be held.
APPLICANT_STATES = frozenset({State.IDENTIFY, State.VERIFY, State.MENU, State.FLOW, State.DONE, State.PICKUP_CODE,
                              State.STAFF_ASSIST, State.QUEUE, State.GUIDE})

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

# Flows that take card reads as answers (each party of a mortgage signs in turn): the session hands them over.
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
class DeliverFlowAnswer(Command):
    """Hand an answer (from a screen, or a card read the flow asked for) to the running flow."""

    answer: ev.FlowAnswer


@dataclass(frozen=True)
class SessionEnded(Command):
    """Stop whatever is running for the applicant (camera, flows); personal data is already wiped."""

    reason: str


@dataclass
class PersonalData:
    """Everything the session's core knows about the applicant; wiped as a whole when the session ends (the parts
    wipe theirs: Session.scrub_personal)."""

    card: Any = None
    token: str | None = None
    verification: dict | None = None
    cases: list = field(default_factory=list)
    cases_stale_since: float | None = None
    cases_loaded: bool = False  # an empty list from the gateway is an answer, not "still loading"
    flow: ev.FlowStep | None = None  # the running flow's step on screen (may show the applicant's documents)
    focus_case: str | None = None  # the acceptance notice's case, once it proved to be this person's
    signature: bytearray | None = None
    face_encodings: list = field(default_factory=list)
    notice_case_id: str | None = None  # from a scanned acceptance notice, until the card and face check

    def is_empty(self) -> bool:
        return (self.card is None and self.token is None and self.verification is None and not self.cases
                and self.cases_stale_since is None and not self.cases_loaded and self.flow is None
                and self.focus_case is None and self.signature is None and not self.face_encodings
                and self.notice_case_id is None)

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
        self.flow = self.focus_case = None
        self.face_encodings.clear()
        self.card = self.token = self.verification = self.signature = self.cases_stale_since = None
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
    flow: ev.FlowStep | None = None  # the running flow's step: its screen renders it by its type
    focus_case: str | None = None  # opened from an acceptance notice: the case list shows only this case
    pickup_only: bool = False  # a locker: its attract screen asks for the pickup code
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
    staff_checking: bool = False  # on the PIN pad: the PIN typed is being checked
    maintenance_desk: dict | None = None  # in maintenance: what the pages show (MaintenanceDesk.snapshot)
    help_status: str | None = None  # call staff (kiosk.staff_help): None, "sending", "coming", "failed"
    help_number: str | None = None  # the help request's number, shown while staff are on their way
    help_message: str | None = None  # why the call for staff failed (message key)
    assist_page: str | None = None  # staff-assisted check (kiosk.staff_assist): offer, credential, pin, ...
    assist_message: str | None = None  # why staff were sent back a page (the gateway's code)
    assist_attempts_left: int | None = None  # PIN tries left for the staff member
    rating_page: str | None = None  # 好差评 (kiosk.rating) on the done screen: ask, reasons, callback, phone, thanks
    rating_level: int | None = None
    rating_message: str | None = None
    queue_page: str | None = None  # queue ticket (kiosk.hall_queue): choose, issuing, ticket
    queue_ticket: dict | None = None
    queue_printed: bool = False
    queue_message: str | None = None
    guide_page: str | None = None  # service guide (kiosk.guide): list, detail, printing
    guide_business: str | None = None
    guide_message: str | None = None
    elderly: bool = False  # 长辈模式: large text, high contrast, slower speech (kiosk.accessibility.session_part)
    speech_volume: int = 100
    idle_timeout_s: float = 0.0  # this screen's time untouched before the idle warning (longer on a phone wait)
    idle_ends_at: float | None = None  # session clock: when an untouched applicant session signs out


Observer = Callable[[SessionView], None]
Handler = Callable[[Any], list[Command]]

ANY = "*"  # a transition row for every state
IN_SESSION = tuple(APPLICANT_STATES)  # an applicant is in front of the kiosk
TOUCHABLE = (*IN_SESSION, State.MAINTENANCE, State.STAFF_PIN)  # where activity keeps the screen alive


class Session:
    # The core's transitions: (state or states, event type, handler method). A missing row ignores the event; the
    # parts add (and may override) rows of their own. Read from top to bottom, this is the applicant's way through.
    TRANSITIONS: tuple[tuple[Any, type, str], ...] = (
        (State.ATTRACT, ev.StartRequested, "_start"),
        ((State.ATTRACT, State.IDENTIFY, State.VERIFY, State.MENU, State.DONE, State.PICKUP_CODE), ev.CardRead,
         "_card_read"),
        (State.FLOW, ev.CardRead, "_card_in_flow"),
        (ANY, ev.CodeScanned, "_code_scanned"),
        (State.VERIFY, ev.IdentityVerified, "_verified"),
        (State.VERIFY, ev.VerificationFailed, "_verification_failed"),
        (State.VERIFY, ev.VerificationProgress, "_verification_progress"),
        ((State.MENU, State.FLOW), ev.ApplicantAuthorised, "_authorised"),
        ((State.MENU, State.FLOW), ev.CasesLoaded, "_cases"),
        (IN_SESSION, ev.PlatformFailed, "_platform_failed"),
        (State.MENU, ev.ServiceChosen, "_service_chosen"),
        (State.FLOW, ev.FlowUpdate, "_flow_update"),
        (State.FLOW, ev.FlowAnswer, "_flow_answer"),
        (State.FLOW, ev.FlowFinished, "_flow_finished"),
        ((State.FLOW, State.DONE), ev.BackRequested, "_back"),
        ((*IN_SESSION, State.STAFF_PIN), ev.CancelRequested, "_cancel"),
        (TOUCHABLE, ev.UserActivity, "_activity"),
        (TOUCHABLE, ev.CardRemoved, "_activity"),
        (ANY, ev.Tick, "_tick"),
        (ANY, ev.DeviceStatusChanged, "_device"),
        (ANY, ev.ServiceModeCommanded, "_service_mode"),
        (ANY, ev.SessionSettingsChanged, "_settings"),
        (ANY, ev.ConnectivityChanged, "_connectivity"),
        (ANY, ev.LanguageChanged, "_language"),
        (State.DONE, ev.ServiceChosen, "_next_step"),  # an outcome's next step (print the proof of the property)
    )

    def __init__(self, services: Iterable[str], required_devices: Iterable[str] = (), *,
                 idle_timeout_s: float = 60, idle_warning_s: float = 20, done_timeout_s: float = 15,
                 maintenance_idle_timeout_s: float = 300, identity_method: str = "face",
                 language: str = "zh_CN", clock: Callable[[], float] = time.monotonic,
                 phone_idle_timeout_s: float = 180, elderly: bool = False, speech_volume: int = 100):
        from kiosk.accessibility.session_part import AccessibilityPart
        from kiosk.maintenance.session_part import StaffPart
        from kiosk.pickup.session_part import PickupPart

        self.services = tuple(services)
        self.required_devices = frozenset(required_devices)
        self.idle_timeout_s = idle_timeout_s
        self.idle_warning_s = idle_warning_s
        self.done_timeout_s = done_timeout_s
        self.phone_idle_timeout_s = phone_idle_timeout_s
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
        self.unusable: set[str] = set()
        self.verify_progress: ev.VerificationProgress | None = None
        self.fleet_message: str | None = None
        self.online = True
        self.idle_warning = False
        self.last_activity = clock()
        self.state_since = self.last_activity
        self._observers: list[Observer] = []
        # The parts beside the core, each with its own data, rows, view fields, tick and scrub.
        self.pickup = PickupPart(pickup_only=self.services == ("pickup",), offers_pickup="pickup" in self.services)
        self.staff = StaffPart(maintenance_idle_timeout_s=maintenance_idle_timeout_s)
        from kiosk.staff_help.session_part import HelpPart

        from kiosk.staff_assist.session_part import StaffAssistPart

        self.help = HelpPart()  # call staff: no personal data
        from kiosk.rating.session_part import RatingPart

        self.assist = StaffAssistPart()  # staff-assisted verification after a failed face check
        from kiosk.guide.session_part import GuidePart
        from kiosk.hall_queue.session_part import QueuePart

        self.rating = RatingPart()  # 好差评 at the end of every service
        self.queue = QueuePart(offered=not self.pickup.pickup_only)  # queue tickets, no ID card
        self.guide = GuidePart(offered=not self.pickup.pickup_only)  # 办事指南, no ID card
        self.access = AccessibilityPart(elderly=elderly, volume=speech_volume)
        self.parts = (self.pickup, self.staff, self.help, self.assist, self.rating, self.queue, self.guide, self.access)
        self._published: SessionView | None = None  # the last view the observers were shown
        self._transitions: dict[tuple[Any, type], Handler] = {}
        rows = [(states, event, getattr(self, name)) for states, event, name in self.TRANSITIONS]
        for part in self.parts:
            rows += [(states, event, self._bound(handler)) for states, event, handler in part.transitions()]
        for states, event, handler in rows:
            for state in (states if isinstance(states, tuple) else (states,)):
                self._transitions[(state, event)] = handler

    def _bound(self, handler: Callable[["Session", Any], list[Command]]) -> Handler:
        return lambda event: handler(self, event)

    @classmethod
    def from_config(cls, config, clock: Callable[[], float] = time.monotonic,
                    services: Iterable[str] | None = None) -> "Session":
        """services: the site's services that this build can run (default: all of the site's)."""
        s = config.session
        return cls([x.value for x in config.site.services] if services is None else services,
                   [d.value for d in config.site.required_devices],
                   idle_timeout_s=s.idle_timeout_s, idle_warning_s=s.idle_warning_s,
                   done_timeout_s=s.done_timeout_s, maintenance_idle_timeout_s=s.maintenance_idle_timeout_s,
                   identity_method=config.identity.method, language=config.ui.language, clock=clock,
                   phone_idle_timeout_s=s.phone_idle_timeout_s, elderly=config.ui.elderly,
                   speech_volume=config.ui.speech_volume)

    # -- public -----------------------------------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def handle(self, event: ev.Event) -> list[Command]:
        """Apply one event; returns the commands for the runtime. Observers see the new view if anything changed."""
        handler = self._transitions.get((self.state, type(event))) or self._transitions.get((ANY, type(event)))
        if handler is None:
            if not any(kind is type(event) for _state, kind in self._transitions):
                logger.warning("session ignores unknown event %s", type(event).__name__)
            return []
        if self._published is None:
            self._published = self.view()
        commands = handler(event) or []
        after = self.view()
        # Against the last view shown, not the one before this event: a countdown moves between ticks.
        if after != self._published:
            self._published = after
            for observer in list(self._observers):
                observer(after)
        return commands

    @property
    def staff_id(self) -> str | None:
        """The signed-in staff member's id in maintenance mode (for the audit trail)."""
        return self.staff.staff_id

    def available_services(self) -> tuple[str, ...]:
        return tuple(s for s in self.services if not set(SERVICE_DEVICES.get(s, ())) & self.unusable
                     and (self.online or s not in NETWORK_SERVICES) and self.assist.allows(s))

    def holds_no_personal_data(self) -> bool:
        """Nothing about any applicant: not in the core, not in a part."""
        return self.personal.is_empty() and all(part.is_empty() for part in self.parts)

    def view(self) -> SessionView:
        p = self.personal
        card = p.card
        countdown = None
        if self.idle_warning:
            countdown = max(0, int(round(self._warning_ends() - self.clock())))
        idle_ends_at = self._warning_ends() if self.state in APPLICANT_STATES and self.state != State.DONE else None
        available = self.available_services()
        parts: dict = {}
        for part in self.parts:
            parts.update(part.view_fields())
        return SessionView(
            state=self.state, language=self.language, idle_warning=self.idle_warning, countdown_s=countdown,
            applicant_name=mask_name(getattr(card, "name", None) or getattr(card, "name_en", None)) if card else "",
            applicant_id=mask_id_number(getattr(card, "id_number", None)) if card else "",
            cases=tuple(p.cases), cases_stale_since=p.cases_stale_since,
            cases_loaded=p.cases_loaded,
            services=available, services_unavailable=tuple(s for s in self.services if s not in available),
            service=self.service, flow=p.flow, focus_case=p.focus_case,
            outcome=self.outcome, message=self.message,
            out_of_service_message=self._out_of_service_reason() or "",
            unusable_devices=tuple(sorted(self.unusable)),
            receipt_pending=self.receipt_pending,
            verify_guidance=self.verify_progress.guidance if self.verify_progress else None,
            verify_attempt=self.verify_progress.attempt if self.verify_progress else 0,
            verify_seconds_left=self.verify_progress.seconds_left if self.verify_progress else None,
            online=self.online, notice_case_id=p.notice_case_id, idle_timeout_s=self.screen_idle_timeout(),
            idle_ends_at=idle_ends_at, **parts)

    # -- what the parts use -----------------------------------------------------------------------------------
    def enter(self, state: State) -> None:
        if state != self.state:
            logger.info("session %s -> %s", self.state.value, state.value)
            self.verify_progress = None
        self.state = state
        self.state_since = self.clock()
        self.idle_warning = False

    def touch(self) -> None:
        self.last_activity = self.clock()
        self.idle_warning = False

    def scrub_personal(self) -> None:
        """Wipe what the core and every part hold about the applicant (the session itself goes on)."""
        self.personal.scrub()
        for part in self.parts:
            part.scrub()

    def reset(self, reason: str, message: str | None = None) -> list[Command]:
        """Back to attract (or out of service): every piece of personal data is wiped first."""
        self.scrub_personal()
        self.personal = PersonalData()
        for part in self.parts:
            part.reset()
        self.service = None
        self.outcome = None
        self.receipt_pending = False
        self.language = self.default_language
        self.message = message
        self.enter(State.OUT_OF_SERVICE if self._out_of_service_reason() else State.ATTRACT)
        self.touch()
        return [SessionEnded(reason)]

    def begin_with_card(self, card) -> list[Command]:
        self.personal.card = card
        self.message = None
        if getattr(card, "expired", False):
            self.personal.card = None
            self.message = "card_expired"
            self.enter(State.IDENTIFY)
            return []
        self.enter(State.VERIFY)
        return [StartVerification(self.identity_method, card)]

    def verified(self, event: ev.IdentityVerified) -> None:
        self.personal.verification = {"method": event.method, "score": event.score, "at": time.time()}
        self.message = None

    def activity(self, event=None) -> list[Command]:
        """Activity where it counts (an applicant, staff): keeps the session alive."""
        if self.state in TOUCHABLE:
            self.touch()
        return []

    def screen_idle_timeout(self) -> float:
        """Seconds untouched before the idle warning on the screen now shown (a phone wait: longer)."""
        from kiosk.accessibility.idle_policy import idle_timeout_for

        step = self.personal.flow if self.state == State.FLOW else None
        return idle_timeout_for(step, self.idle_timeout_s, self.phone_idle_timeout_s)

    def _warning_ends(self) -> float:
        return self.last_activity + self.screen_idle_timeout() + self.idle_warning_s

    def _out_of_service_reason(self) -> str | None:
        if self.fleet_message is not None:
            return self.fleet_message or "out_of_service"
        if self.unusable & self.required_devices:
            return "device_unavailable"
        return None

    # -- the core's handlers (rows of TRANSITIONS) --------------------------------------------------------------
    def _activity(self, event) -> list[Command]:
        return self.activity(event)

    def _start(self, event: ev.StartRequested) -> list[Command]:
        self.message = None
        self.enter(State.IDENTIFY)
        self.touch()
        return []

    def _code_scanned(self, event: ev.CodeScanned) -> list[Command]:
        """A scanned code; what it starts (a pickup, an acceptance notice lookup) is decided per service."""
        kind = classify(event.code)
        if kind == CodeKind.PICKUP and self.pickup.offers_pickup:
            return self.pickup.code_entered(self, "qr", event.code)
        if kind == CodeKind.ACCEPTANCE_NOTICE:
            return self._acceptance_notice(event.code)
        return self.activity(event)

    # -- acceptance notice: its QR names a case, opened once its owner has passed the card and face check --------
    def _acceptance_notice(self, code: str) -> list[Command]:
        if self.state not in (State.ATTRACT, State.IDENTIFY) or self.personal.card is not None \
                or "case_status" not in self.services:
            return self.activity()
        self.personal.notice_case_id = acceptance_notice_case(code)
        self.message = None
        self.enter(State.IDENTIFY)
        self.touch()
        return []

    def _open_notice_case(self) -> list[Command]:
        """The notice's case if it is this person's, otherwise their case list, saying nothing of the other case."""
        case_id, self.personal.notice_case_id = self.personal.notice_case_id, None
        if "case_status" not in self.available_services():
            return []
        self.personal.flow = None
        if any(getattr(case, "case_id", None) == case_id for case in self.personal.cases):
            self.personal.focus_case = case_id
        self.service = "case_status"
        self.outcome = None
        self.enter(State.FLOW)
        self.touch()
        return [StartFlow("case_status", self.personal.token)]

    def _card_read(self, event: ev.CardRead) -> list[Command]:
        card = self.personal.card
        if card is not None and getattr(card, "id_number", None) == getattr(event.card, "id_number", object()):
            self.touch()
            return []  # the same card again: nothing new
        commands: list[Command] = []
        if self.state in (State.MENU, State.FLOW, State.DONE, State.VERIFY):
            # Someone else's card: the previous applicant's session ends before the new one starts.
            commands = self.reset("new_card")
        self.touch()
        return commands + self.begin_with_card(event.card)

    def _card_in_flow(self, event: ev.CardRead) -> list[Command]:
        if self.service in FLOWS_READING_CARDS:
            self.touch()
            return [DeliverFlowAnswer(ev.FlowAnswer("card", event.card))]  # the next party's card
        return self._card_read(event)

    def _verified(self, event: ev.IdentityVerified) -> list[Command]:
        if self.personal.card is None:
            return []
        self.verified(event)
        self.enter(State.MENU)
        self.touch()
        return [AuthoriseApplicant(self.personal.card, event.method, event.score, event.token)]

    def _verification_failed(self, event: ev.VerificationFailed) -> list[Command]:
        # The verifier has already used up its attempts when it sends this: the applicant is sent to staff.
        self.outcome = "ask_staff"
        self.message = event.reason
        self.scrub_personal()
        self.enter(State.DONE)
        self.touch()
        return [SessionEnded("verification_failed")]

    def _verification_progress(self, event: ev.VerificationProgress) -> list[Command]:
        self.verify_progress = event
        self.touch()  # the applicant is busy with the camera, not idle
        return []

    def _authorised(self, event: ev.ApplicantAuthorised) -> list[Command]:
        if self.personal.verification is None:
            return []
        self.personal.token = event.token
        return [LoadCases(event.token, getattr(self.personal.card, "id_number", ""))]

    def _cases(self, event: ev.CasesLoaded) -> list[Command]:
        if self.personal.verification is None:
            return []
        self.personal.cases = list(event.cases)
        self.personal.cases_stale_since = event.stale_since
        self.personal.cases_loaded = True
        if self.personal.notice_case_id is not None and self.state == State.MENU:
            return self._open_notice_case()
        return []

    def _platform_failed(self, event: ev.PlatformFailed) -> list[Command]:
        self.message = event.reason
        return []

    def _service_chosen(self, event: ev.ServiceChosen) -> list[Command]:
        if event.service not in self.available_services():
            if not self.online and event.service in NETWORK_SERVICES and event.service in self.services:
                self.message = "service_offline"
            return []
        self.service = event.service
        self.outcome = None
        self.message = None
        self.personal.notice_case_id = None  # the applicant chose for themselves
        self.personal.flow = self.personal.focus_case = None
        self.enter(State.FLOW)
        self.touch()
        return [StartFlow(event.service, self.personal.token)]

    def _next_step(self, event: ev.ServiceChosen) -> list[Command]:
        """From the done screen, the outcome's next step: only for the verified applicant still in front of it."""
        if self.personal.verification is None:
            return []
        return self._service_chosen(event)

    def _flow_update(self, event: ev.FlowUpdate) -> list[Command]:
        # A new step gives the applicant fresh time; the same step with new values (a countdown, a poll's answer)
        # is the flow talking, not the applicant: it must not keep an abandoned screen alive.
        new_step = type(event.step) is not type(self.personal.flow)
        self.personal.flow = event.step
        if new_step:
            self.touch()
        return []

    def _flow_answer(self, event: ev.FlowAnswer) -> list[Command]:
        self.touch()
        return [DeliverFlowAnswer(event)]

    def _flow_finished(self, event: ev.FlowFinished) -> list[Command]:
        self.outcome = event.outcome
        self.receipt_pending = event.receipt_pending
        self.enter(State.DONE)
        self.touch()
        return []

    def _back(self, event: ev.BackRequested) -> list[Command]:
        if self.personal.verification is not None:
            self.service = None
            self.outcome = None
            self.message = None
            self.personal.flow = self.personal.focus_case = None
            self.enter(State.MENU)
            self.touch()
        return []

    def _cancel(self, event: ev.CancelRequested) -> list[Command]:
        return self.reset("cancelled")

    def _tick(self, event: ev.Tick) -> list[Command]:
        now = event.now
        for part in self.parts:  # the parts' countdowns and timeouts (maintenance, the PIN pad) first
            commands = part.tick(self, now)
            if commands is not None:
                return commands
        if self.state == State.DONE:
            if now - self.state_since >= self.done_timeout_s and now - self.last_activity >= self.done_timeout_s:
                return self.reset("done")
            return []
        if self.state not in APPLICANT_STATES:
            return []
        idle = now - self.last_activity
        timeout = self.screen_idle_timeout()
        if idle >= timeout + self.idle_warning_s:
            return self.reset("timeout", message="timed_out")
        if idle >= timeout:
            self.idle_warning = True
        return []

    def _device(self, event: ev.DeviceStatusChanged) -> list[Command]:
        if event.usable:
            self.unusable.discard(event.device)
        else:
            self.unusable.add(event.device)
        return self._settle_service_mode()

    def _service_mode(self, event: ev.ServiceModeCommanded) -> list[Command]:
        self.fleet_message = None if event.in_service else event.message
        return self._settle_service_mode()

    def _settle_service_mode(self) -> list[Command]:
        # An applicant mid-session keeps going; the kiosk goes out of service when the session ends.
        if self.state == State.ATTRACT and self._out_of_service_reason():
            self.enter(State.OUT_OF_SERVICE)
        elif self.state == State.OUT_OF_SERVICE and not self._out_of_service_reason():
            self.enter(State.ATTRACT)
        return []

    def _settings(self, event: ev.SessionSettingsChanged) -> list[Command]:
        self.idle_timeout_s = event.idle_timeout_s
        self.idle_warning_s = event.idle_warning_s
        self.done_timeout_s = event.done_timeout_s
        self.staff.idle_timeout_changed(event.maintenance_idle_timeout_s)
        return []

    def _connectivity(self, event: ev.ConnectivityChanged) -> list[Command]:
        # A flow already running keeps going: it meets the platform error itself and reports it.
        self.online = event.online
        return []

    def _language(self, event: ev.LanguageChanged) -> list[Command]:
        if event.language in ("zh_CN", "en"):
            self.language = event.language
            self.activity(event)
        return []
