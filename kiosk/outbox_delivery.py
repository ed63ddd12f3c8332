"""The outbox delivery thread: drains the durable outbox to the gateway in batches, in order per kind, exactly once
in effect."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from kiosk.platform_client import PlatformRejected, PlatformUnavailable
from offline_cache.errors import OfflineCacheError
from offline_cache.outbox import Outbox

logger = logging.getLogger(__name__)

# Answers that will never change however often the same event is sent: the event is set aside (dead-lettered).
# 422 is the contract's "invalid event"; 400/413 are malformed or too large; 409 is a key reused with another body.
PERMANENT_STATUSES = frozenset({400, 409, 413, 422})


class EventSink(Protocol):
    """What delivery needs from kiosk.platform_client.PlatformClient."""

    def post_event(self, kind: str, idempotency_key: str, occurred_at: str, payload: dict) -> str: ...

    # Optional: many events in one request, one answer each (see OutboxDelivery._settle).
    # def post_events(self, events: list[dict]) -> list[dict]: ...


@dataclass
class DeliveryPass:
    """What one pass over the outbox did."""

    accepted: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    retried: int = 0
    gateway_down: bool = False

    @property
    def delivered(self) -> int:
        return self.accepted + self.duplicates


def _status_of(exc: Exception) -> int | None:
    for name in ("status_code", "status", "http_status"):
        value = getattr(exc, name, None)
        if isinstance(value, int):
            return value
    return None


def _code_of(exc: Exception) -> str:
    for name in ("code", "error_code", "message_key"):
        value = getattr(exc, name, None)
        if isinstance(value, str) and value:
            return value
    return type(exc).__name__


class OutboxDelivery:
    """Runs `deliver_pending()` on its own thread whenever something is due: after an enqueue, after a back-off,
    and at once when the connectivity monitor sees the gateway come back."""

    def __init__(self, outbox: Outbox, sink: EventSink, *, connectivity=None, batch: int = 50,
                 idle_s: float = 30.0, clock: Callable[[], float] = time.time, request_size: int = 200,
                 batched: bool | None = None):
        self.outbox = outbox
        self.sink = sink
        # Many events to a request when the sink can (kiosk.platform_client.PlatformClient.post_events), unless
        # told otherwise; `batch` is how many of each kind one pass takes from the outbox.
        post_events = getattr(sink, "post_events", None)
        self._post_events = post_events if batched is not False and callable(post_events) else None
        self.request_size = max(1, request_size)
        self.connectivity = connectivity
        self.batch = batch
        self.idle_s = idle_s
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._down_logged = False
        # After the gateway failed, nothing is sent until this time (wall clock), new events or not; a return to
        # online (seen by the connectivity monitor) lifts it at once.
        self._paused_until = 0.0
        outbox.add_listener(self.wake)
        if connectivity is not None:
            connectivity.add_listener(self._on_connectivity)

    # -- control ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _on_connectivity(self, online: bool) -> None:
        if online:
            # The link is back: whatever was backing off goes now rather than at the end of its back-off.
            self._paused_until = 0.0
            self.outbox.retry_now()
            self.wake()

    # -- work -------------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            pause = self._paused_until - self.clock()
            if pause > 0:
                self._wake.wait(pause)
                continue
            try:
                result = self.deliver_pending()
            except Exception as exc:  # a bug or a store failure (disk full): logged, the thread tries again later
                detail = str(exc) if isinstance(exc, OfflineCacheError) else ""  # our own texts hold nothing personal
                logger.error("outbox delivery pass failed (%s %s)", type(exc).__name__, detail)
                self._paused_until = self.clock() + self.idle_s
                continue
            if self._stop.is_set():
                break
            if result.delivered or result.dead_lettered:
                continue  # more may be waiting behind the batch
            self._wake.wait(self._wait_s())

    def _wait_s(self) -> float:
        next_due = self.outbox.next_due_at()
        if next_due is None:
            return self.idle_s
        return min(self.idle_s, max(0.0, next_due - self.clock()))

    def deliver_pending(self) -> DeliveryPass:
        """One pass: send what is due, oldest first; stops at the first sign the gateway is unreachable. With a
        sink that takes batches (post_events), up to `request_size` events go in each request."""
        result = DeliveryPass()
        events = self.outbox.due(self.clock(), per_kind=self.batch)
        if self._post_events is not None:
            self._deliver_in_batches(events, result)
        else:
            self._deliver_one_by_one(events, result)
        if result.delivered and self._down_logged:
            logger.info("outbox: gateway reachable again; %d events still waiting", self.outbox.depth())
            self._down_logged = False
        return result

    def _deliver_in_batches(self, events: list, result: DeliveryPass) -> None:
        for start in range(0, len(events), self.request_size):
            if self._stop.is_set():
                return
            chunk = events[start:start + self.request_size]
            try:
                answers = self._post_events([{"idempotency_key": e.idempotency_key, "kind": e.kind,
                                              "occurred_at": e.occurred_at, "payload": e.payload} for e in chunk])
            except PlatformUnavailable as exc:
                self._gateway_down(chunk[0], exc, result)
                return
            except PlatformRejected as exc:
                if _status_of(exc) in (404, 405):  # a gateway from before batches: one by one from now on
                    self._post_events = None
                    if not self._deliver_one_by_one(chunk, result):
                        return
                    continue
                if _status_of(exc) in PERMANENT_STATUSES:
                    # The request as a whole was refused (too large, or an envelope this gateway cannot read): the
                    # events go one by one, so that each gets its own answer.
                    if not self._deliver_one_by_one(chunk, result):
                        return
                    continue
                self._refused(chunk[0], exc, result)
                return
            except Exception as exc:
                delay = self.outbox.mark_failed(chunk[0].seq, type(exc).__name__)
                self._paused_until = self.clock() + delay
                logger.error("outbox: sending a batch of %d events failed (%s); retrying in %.1f s", len(chunk),
                             type(exc).__name__, delay)
                result.retried += 1
                return
            self._report(True)
            self._settle(chunk, answers, result)

    def _settle(self, chunk: list, answers: list[dict], result: DeliveryPass) -> None:
        """Acknowledges each event of a batch by its own answer."""
        done: list[int] = []
        try:
            for event, answer in zip(chunk, answers, strict=True):
                status = answer.get("status")
                if status in ("accepted", "duplicate"):
                    done.append(event.seq)
                    if status == "duplicate":
                        result.duplicates += 1
                    else:
                        result.accepted += 1
                elif status == "rejected":
                    error = answer.get("error") or {}
                    status_code, code = error.get("status"), str(error.get("code", "rejected"))
                    if status_code in PERMANENT_STATUSES:
                        self.outbox.dead_letter(event.seq, f"{status_code} {code}")
                        result.dead_lettered += 1
                    else:  # its kind waits out the back-off; the gateway held the rest of the kind ("held")
                        delay = self.outbox.mark_failed(event.seq, f"{status_code} {code}")
                        logger.warning("outbox: gateway refused a %s event (%s %s); retrying in %.1f s",
                                       event.kind, status_code, code, delay)
                        result.retried += 1
                # "held": not looked at, behind a refused event of its kind; it stays pending and goes again
        finally:
            # A crash before this line only means the same keys are sent again: the gateway answers "duplicate".
            self.outbox.mark_delivered(done)

    def _gateway_down(self, event, exc: Exception, result: DeliveryPass) -> None:
        delay = self.outbox.mark_failed(event.seq, _code_of(exc))
        self._paused_until = self.clock() + delay
        result.retried += 1
        result.gateway_down = True
        self._report(False, _code_of(exc))
        if not self._down_logged:
            logger.warning("outbox: gateway unreachable (%s); %d events waiting, retrying in %.1f s",
                           _code_of(exc), self.outbox.depth(), delay)
            self._down_logged = True

    def _refused(self, event, exc: PlatformRejected, result: DeliveryPass) -> None:
        # Refused for a reason that may pass and is not about this event (kiosk key not registered yet, rate
        # limit): keep it, and pause the whole pass rather than hammer with the rest.
        code, status_code = _code_of(exc), _status_of(exc)
        delay = self.outbox.mark_failed(event.seq, f"{status_code} {code}")
        self._paused_until = self.clock() + delay
        logger.warning("outbox: gateway refused a %s event (%s %s); retrying in %.1f s",
                       event.kind, status_code, code, delay)
        result.retried += 1
        self._report(True)  # the gateway answered: the link itself is up

    def _deliver_one_by_one(self, events: list, result: DeliveryPass) -> bool:
        """Each event its own request; False when the pass must stop (gateway down, or refusing)."""
        done: list[int] = []
        held: set[str] = set()
        try:
            for event in events:
                if self._stop.is_set():
                    return False
                if event.kind in held:
                    continue
                try:
                    status = self.sink.post_event(event.kind, event.idempotency_key, event.occurred_at, event.payload)
                except PlatformUnavailable as exc:
                    self._gateway_down(event, exc, result)
                    return False
                except PlatformRejected as exc:
                    if _status_of(exc) in PERMANENT_STATUSES:
                        self.outbox.dead_letter(event.seq, f"{_status_of(exc)} {_code_of(exc)}")
                        result.dead_lettered += 1
                        self._report(True)
                        continue
                    self._refused(event, exc, result)
                    return False
                except Exception as exc:
                    delay = self.outbox.mark_failed(event.seq, type(exc).__name__)
                    # Type only: an exception's text could quote the payload, which may be personal.
                    logger.error("outbox: sending a %s event failed (%s); retrying in %.1f s", event.kind,
                                 type(exc).__name__, delay)
                    result.retried += 1
                    held.add(event.kind)
                    continue
                done.append(event.seq)
                if status == "duplicate":
                    result.duplicates += 1
                else:
                    result.accepted += 1
                self._report(True)
                if len(done) >= self.batch:
                    self.outbox.mark_delivered(done)
                    done = []
        finally:
            # A crash before this line only means the same keys are sent again: the gateway answers "duplicate".
            self.outbox.mark_delivered(done)
        return True

    def _report(self, ok: bool, reason: str = "") -> None:
        if self.connectivity is None:
            return
        if ok:
            self.connectivity.report_success()
        else:
            self.connectivity.report_failure(reason)


class OfflineServices:
    """The offline side of a kiosk process, wired from config: the store, the connectivity monitor posting to the
    runtime, the delivery thread, and a daily purge. `build_kiosk` creates one, starts it, and stops it last."""

    def __init__(self, store, connectivity, delivery: OutboxDelivery | None, *, purge_every_s: float = 86400.0):
        self.store = store
        self.connectivity = connectivity
        self.delivery = delivery
        self.purge_every_s = purge_every_s
        self._stop = threading.Event()
        self._purger: threading.Thread | None = None

    @classmethod
    def from_config(cls, config, platform, post: Callable) -> "OfflineServices":
        """Opens the store (raises an OfflineCacheError with a one-line message on a bad key file); `platform` may
        be None (no gateway configured): events then wait in the outbox and the kiosk shows itself offline."""
        from kiosk.connectivity import ConnectivityMonitor
        from offline_cache.offline_store import OfflineStore

        store = OfflineStore.from_config(config.storage)
        for alert in store.alerts():
            logger.error("offline store alert %s: %s", alert.code, alert.detail)
        storage = config.storage
        connectivity = ConnectivityMonitor(post, platform.health if platform is not None else _no_gateway,
                                           online_probe_s=storage.online_probe_s,
                                           offline_probe_s=storage.offline_probe_s)
        delivery = OutboxDelivery(store.outbox, platform, connectivity=connectivity) if platform is not None else None
        return cls(store, connectivity, delivery)

    def start(self) -> None:
        self._stop.clear()
        self.connectivity.start()
        if self.delivery is not None:
            self.delivery.start()
        self._purger = threading.Thread(target=self._purge_loop, name="kiosk-purge", daemon=True)
        self._purger.start()

    def stop(self) -> None:
        self._stop.set()
        if self.delivery is not None:
            self.delivery.stop()
        self.connectivity.stop()
        if self._purger is not None:
            self._purger.join(10)
        self.store.close()

    def _purge_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.purge()
            except Exception:
                logger.exception("offline store purge failed")
            self._stop.wait(self.purge_every_s)


def _no_gateway() -> None:
    raise PlatformUnavailable("no gateway configured")
