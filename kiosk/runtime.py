"""The core loop: one thread owns the session, feeds it events and ticks, and runs its commands on workers.

Devices, the platform client and flows post events here from any thread; the session is only ever touched on the
core thread, so it needs no locks. Observers (the UI bridge) are called on the core thread and must hand over to their
own thread themselves.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Protocol

from kiosk import events as ev
from kiosk.watchdog import Watchdog
from kiosk.session import (AuthoriseApplicant, Command, DeliverFlowAnswer, LoadCases, Session, SessionEnded,
                           StartFlow, StartVerification, State)

logger = logging.getLogger(__name__)


class Platform(Protocol):
    """What the core needs from the gateway client (kiosk.platform_client implements it)."""

    def issue_applicant_token(self, id_number: str, method: str, score: float | None) -> str: ...

    def list_cases(self, token: str) -> tuple: ...


Verifier = Callable[[StartVerification, Callable[[ev.Event], None], threading.Event], None]
Flow = Callable[["FlowContext"], None]


class FlowContext:
    """What a running flow gets: its service, a way to post events, and a cancel flag set when the session ends."""

    def __init__(self, service: str, post: Callable[[ev.Event], None], cancelled: threading.Event, token: str | None,
                 applicant_name: str | None = None, applicant_id_number: str | None = None):
        self.service = service
        self.post = post
        self.cancelled = cancelled
        self.token = token
        # The verified card's name, for paper the applicant takes away (masked there); never logged.
        self.applicant_name = applicant_name
        self.applicant_id_number = applicant_id_number  # the card's number, for an official proof only; never logged
        self.inbox: queue.Queue[ev.FlowAnswer] = queue.Queue()  # the answers the session delivers (DeliverFlowAnswer)
        self.closed = threading.Event()  # set when the session leaves this flow (back to the menu, or ended)

    def is_over(self) -> bool:
        return self.cancelled.is_set() or self.closed.is_set()

    def wait_token(self, timeout_s: float) -> str | None:
        """The applicant token; a flow chosen the moment the menu appeared may start before the gateway issued it
        (the runtime hands it over when it arrives). None after timeout_s or when the flow is over."""
        deadline = time.monotonic() + timeout_s
        while self.token is None and not self.is_over() and time.monotonic() < deadline:
            time.sleep(0.05)
        return None if self.is_over() else self.token

    def drop_answers(self) -> None:
        """Forget answers not taken yet (given to an earlier step): called before a flow shows its next step."""
        while True:
            try:
                self.inbox.get_nowait()
            except queue.Empty:
                return

    def wait_input(self, timeout_s: float) -> ev.FlowAnswer | None:
        """The applicant's next answer, or None after timeout_s or as soon as the flow is over."""
        deadline = time.monotonic() + timeout_s
        while not self.is_over():
            try:
                return self.inbox.get(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    return None
        return None


def card_only_verifier(command: StartVerification, post, cancelled: threading.Event) -> None:
    """Demo identity method: the card read itself is taken as verification (refused by config on real sites)."""
    post(ev.IdentityVerified(method="card_only_demo", score=None))


Handler = Callable[[Command, Callable[[ev.Event], None], threading.Event], None]


class EventInbox:
    """The core's queue of events: anything posts to it from any thread (devices, the store, flows, the screens
    through the runtime); the runtime's core thread takes them in order. Made first, so that what posts can be built
    before the runtime."""

    def __init__(self):
        self._queue: queue.Queue[ev.Event | None] = queue.Queue()

    def post(self, event: ev.Event | None) -> None:
        self._queue.put(event)

    def take(self, timeout: float) -> ev.Event | None:
        """The next event; raises queue.Empty after timeout seconds."""
        return self._queue.get(timeout=timeout)


class Runtime:
    def __init__(self, session: Session, platform: Platform | None = None, *,
                 verifiers: dict[str, Verifier] | None = None, flows: dict[str, Flow] | None = None,
                 tick_s: float = 0.5, clock: Callable[[], float] = time.monotonic,
                 watchdog: Watchdog | None = None, case_cache=None, audit_trail=None,
                 handlers: dict[type, Handler] | None = None, inbox: EventInbox | None = None,
                 in_order: Iterable[type] = ()):
        """handlers: the commands of parts assembled beside the core (the locker's CheckPickupCode, OpenCompartment,
        the staff PIN's CheckStaffPin): type -> handler(command, post, cancelled), run on a worker like every
        command; in_order: command types whose handlers run one after another in the order given (on a worker of
        their own: a maintenance action and the key typed after it). audit_trail: kiosk.audit_trail.AuditTrail, shown every event after the session handled it."""
        self.session = session
        self.platform = platform
        self.verifiers = {"card_only_demo": card_only_verifier, **(verifiers or {})}
        self.flows = dict(flows or {})
        self.tick_s = tick_s
        self.clock = clock
        self.watchdog = watchdog or Watchdog()
        # offline_cache.CaseCache: the last case list of each recently verified person, encrypted at rest.
        self.case_cache = case_cache
        self.audit_trail = audit_trail
        self._inbox = inbox or EventInbox()
        self._workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kiosk-work")
        self.in_order = frozenset(in_order)
        self._in_order_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-in-order")
        self._cancel = threading.Event()
        self._flow: FlowContext | None = None  # the flow now running (core thread only)
        # Applicant tokens of the session now running (core thread only): revoked at the gateway when it ends.
        self._tokens: list[str] = []
        self._thread: threading.Thread | None = None
        self.handlers: dict[type, Handler] = dict(handlers or {})

    def post(self, event: ev.Event) -> None:
        """Thread-safe: hand an event to the core thread."""
        self._inbox.post(event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kiosk-core", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._inbox.post(None)
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._in_order_worker.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        next_tick = self.clock() + self.tick_s
        while True:
            self.watchdog.feed()
            timeout = max(0.0, next_tick - self.clock())
            try:
                event = self._inbox.take(timeout)
            except queue.Empty:
                event = ev.Tick(self.clock())
                next_tick = self.clock() + self.tick_s
            if event is None:
                self.watchdog.stopping()
                return
            trail = self.audit_trail
            if isinstance(event, ev.AuditNote):  # for the audit trail only, never the session
                if trail is not None:
                    trail.note(event, self.session)
                continue
            before = trail.before(self.session) if trail is not None else None
            try:
                commands = self.session.handle(event)
            except Exception:  # one bad event must never stop the kiosk
                logger.exception("session failed on %s", type(event).__name__)
                continue
            if trail is not None:
                trail.observe(event, before, self.session, commands)
            token = getattr(event, "token", None) if isinstance(event, (ev.IdentityVerified,
                                                                         ev.ApplicantAuthorised)) else None
            if token and token not in self._tokens:
                self._tokens.append(token)
            if self._flow is not None and self.session.state != State.FLOW:
                self._flow.closed.set()  # back to the menu, done or ended: the flow stops waiting for answers
                self._flow = None
            elif self._flow is not None and self._flow.token is None and isinstance(event, ev.ApplicantAuthorised):
                self._flow.token = self.session.personal.token  # the token arrived after the flow started
            for command in commands:
                self._dispatch(command)

    def _dispatch(self, command: Command) -> None:
        if isinstance(command, SessionEnded):
            # Everything running for the previous applicant stops; new work gets a fresh flag.
            self._cancel.set()
            self._cancel = threading.Event()
            tokens, self._tokens = self._tokens, []
            for token in tokens:  # the gateway refuses the applicant's token from now on
                self._workers.submit(self._revoke, token)
            return
        if isinstance(command, DeliverFlowAnswer):
            if self._flow is not None:
                self._flow.inbox.put(command.answer)
            return
        cancelled = self._cancel
        if isinstance(command, StartFlow):
            if self._flow is not None:
                self._flow.closed.set()
            card = self.session.personal.card
            self._flow = FlowContext(command.service, self._poster(cancelled), cancelled, command.token,
                                     applicant_name=getattr(card, "name", None) or getattr(card, "name_en", None),
                                     applicant_id_number=getattr(card, "id_number", None))
            self._workers.submit(self._execute, command, cancelled, self._flow)
            return
        workers = self._in_order_worker if type(command) in self.in_order else self._workers
        workers.submit(self._execute, command, cancelled)

    def _revoke(self, token: str) -> None:
        revoke = getattr(self.platform, "revoke_applicant_token", None)
        if revoke is None:
            return
        try:
            revoke(token)
        except Exception as exc:  # offline: the token still ends at its expiry, minutes from now
            logger.warning("could not revoke the applicant token: %s", getattr(exc, "message_key", type(exc).__name__))

    def _post_cached_cases(self, id_number: str, post) -> bool:
        """Offline: show the cached case list (with its age) to a person who was just verified again."""
        if self.case_cache is None:
            return False
        from kiosk.cases import Case  # the cache holds plain JSON-shaped dicts

        try:
            cached = self.case_cache.get(id_number, verified_at=time.time())
        except Exception:
            logger.exception("could not read the case cache")
            return False
        if cached is None:
            return False
        post(ev.PlatformFailed("platform_unavailable"))
        post(ev.CasesLoaded(tuple(Case.from_json(c) for c in cached.cases), stale_since=cached.fetched_at))
        return True

    def _poster(self, cancelled: threading.Event) -> Callable[[ev.Event], None]:
        def post(event: ev.Event) -> None:
            # Results for an ended session are dropped, never shown to the next person; audit notes always go.
            if not cancelled.is_set() or isinstance(event, ev.AuditNote):
                self.post(event)
        return post

    def _execute(self, command: Command, cancelled: threading.Event, flow_ctx: FlowContext | None = None) -> None:
        post = self._poster(cancelled)
        try:
            handler = self.handlers.get(type(command))
            if handler is not None:
                handler(command, post, cancelled)
            elif isinstance(command, StartVerification):
                verifier = self.verifiers.get(command.method)
                if verifier is None:
                    post(ev.VerificationFailed("verification_unavailable"))
                else:
                    verifier(command, post, cancelled)
            elif isinstance(command, AuthoriseApplicant) and command.token is not None:
                post(ev.ApplicantAuthorised(command.token))  # the gateway minted it with its own decision
            elif isinstance(command, AuthoriseApplicant):
                if self.platform is None:
                    post(ev.PlatformFailed("platform_unavailable"))
                    return
                try:
                    token = self.platform.issue_applicant_token(command.card.id_number, command.method,
                                                                command.score)
                except Exception as exc:
                    if getattr(exc, "message_key", None) == "platform_unavailable" and \
                            self._post_cached_cases(command.card.id_number, post):
                        return
                    raise
                post(ev.ApplicantAuthorised(token))
            elif isinstance(command, LoadCases):
                cases = tuple(self.platform.list_cases(command.token))
                post(ev.CasesLoaded(cases))
                if self.case_cache is not None and command.id_number:
                    try:
                        self.case_cache.put(command.id_number, cases)
                    except Exception:  # a full or broken cache must not cost the applicant their case list
                        logger.exception("could not cache the case list")
            elif isinstance(command, StartFlow):
                flow = self.flows.get(command.service)
                if flow is None:
                    post(ev.FlowFinished("service_unavailable"))
                else:
                    flow(flow_ctx or FlowContext(command.service, post, cancelled, command.token))
        except Exception as exc:
            # The platform client raises its own errors with a message key; anything else is a bug, logged once.
            key = getattr(exc, "message_key", None)
            if key is None:
                logger.exception("command %s failed", type(command).__name__)
                key = "internal_error"
            else:
                logger.warning("command %s failed: %s", type(command).__name__, key)
            # A flow that died (disk full, a bug) is over: the done screen says why, rather than a step that waits
            # for ever with no way on but the idle timeout.
            post(ev.FlowFinished(key) if isinstance(command, StartFlow) else ev.PlatformFailed(key))
