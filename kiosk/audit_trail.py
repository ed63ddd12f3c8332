"""The kiosk's audit trail: security-relevant events seen by the runtime, written to the hash-chained audit log.

The runtime shows every event it handles to `AuditTrail.observe` (with the session as it was just before), so the
session and the flows need no audit code of their own: verification attempts and outcomes, staff sign-ins and their
failures, fleet service-mode commands, pickup attempts, door openings and locker alarms, the end of each flow. What
the runtime cannot see is posted as `kiosk.events.AuditNote(action, details)` (the runtime hands it here and never to
the session), or comes through the taps below: `journal_hook` (payments, in the payment journal's own
transaction), `audited_printer` (every print job with its job name: proofs, certificates with their blank's
serial, receipts) and `door_listener` (every door the locker's sensors see open or close, whoever opened it).
At start-up `config_loaded` records the configuration's hash when it differs from the last run.

Never personal data: an ID number becomes a keyed pseudonym (offline_cache.sealing.Sealer.subject, truncated), names
and addresses never get here, and free text in notes is scrubbed of anything shaped like an ID number. The log itself
is sealed in the encrypted store and queued for the gateway in the same transaction (offline_cache/audit.py).

A record that cannot be written (disk full) is kept in memory, in order, and written when the store takes writes
again; meanwhile `problem` is set and one error is logged (the heartbeat's last_error and the maintenance screen's
recent errors show it).
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from kiosk import events as ev
from kiosk.privacy import scrub_text
from kiosk.session import StartVerification
from offline_cache.errors import InvalidEvent, OfflineCacheError

logger = logging.getLogger(__name__)

CONFIG_HASH_META = "audit_config_sha256"
PERSON_CHARS = 20  # hex characters of the keyed pseudonym kept in a record: enough to link attempts, no more
MAX_BACKLOG = 2000  # records held in memory while the store refuses writes; beyond that the oldest are counted lost
RETRY_S = 5.0


@dataclass(frozen=True)
class Before:
    """The session as it was just before an event: what an outcome is judged against."""

    state: str
    staff_id: str | None
    card: Any
    service: str | None


class AuditTrail:
    """Writes audit records for the kiosk `kiosk_id` to `log` (an offline_cache.audit.AuditLog)."""

    def __init__(self, log, kiosk_id: str, *, clock: Callable[[], float] | None = None):
        self.log = log
        self.kiosk_id = kiosk_id
        self.clock = clock or time.monotonic
        self._backlog: deque[tuple[str, str, dict]] = deque()
        self._lost = 0
        self._next_retry = 0.0
        self._lock = threading.RLock()  # the core thread, the flows' printers and the journal all record
        self.problem: str | None = None  # set while records wait in memory (disk full): for the heartbeat

    # -- writing ----------------------------------------------------------------------------------------------
    def record(self, action: str, details: dict | None = None, actor: str | None = None) -> bool:
        """Append one record (after any that wait); False when it had to wait in memory. Never raises."""
        with self._lock:
            if len(self._backlog) >= MAX_BACKLOG:
                self._backlog.popleft()
                self._lost += 1
            # JSON-safe now (a date, a Decimal becomes its text), so only the store itself can refuse a record.
            safe = json.loads(json.dumps(dict(details or {}), ensure_ascii=False, default=str))
            self._backlog.append((action, actor or self.kiosk_id, safe))
            return self._flush()

    def retry(self) -> bool:
        """Write what waits in memory, if anything; True when nothing is left waiting."""
        with self._lock:
            return self._flush() if self._backlog else True

    def head(self) -> dict | None:
        """The log's newest {"seq", "hash"} (None: empty), for the heartbeat. Records still waiting in memory are
        not in it yet: the head only ever moves forward."""
        return self.log.head()

    @property
    def waiting(self) -> int:
        return len(self._backlog)

    def _flush(self) -> bool:
        try:
            if self._lost:
                self.log.record("audit_records_lost", self.kiosk_id, {"count": self._lost})
                self._lost = 0
            while self._backlog:
                action, actor, details = self._backlog[0]
                try:
                    self.log.record(action, actor, details)
                except InvalidEvent:  # e.g. too big for the gateway: it never will be written; the rest can be
                    logger.error("audit record %s dropped: not a valid event", action)
                except (OfflineCacheError, sqlite3.Error, OSError):
                    raise
                except Exception:  # a bug must not hold back every record after this one
                    logger.exception("audit record %s dropped", action)
                self._backlog.popleft()
        except (OfflineCacheError, sqlite3.Error, OSError) as exc:
            # Disk full, I/O error: the kiosk goes on; the records wait, in order.
            if self.problem is None:
                logger.error("audit records cannot be written (%s): %d kept in memory until the store recovers",
                             type(exc).__name__, len(self._backlog))
            self.problem = "audit_log_unwritable"
            self._next_retry = self.clock() + RETRY_S
            return False
        if self.problem is not None:
            logger.info("audit records written again after an outage")
            self.problem = None
        return True

    # -- what the runtime shows us ----------------------------------------------------------------------------
    @staticmethod
    def before(session) -> Before:
        return Before(str(session.state), session.staff_id, session.personal.card, session.service)

    def observe(self, event: ev.Event, before: Before, session, commands=()) -> None:
        """Called by the runtime on its thread after the session handled `event`. Never raises."""
        try:
            if isinstance(event, ev.Tick):
                if self._backlog and self.clock() >= self._next_retry:
                    self.retry()
                return
            handler = _HANDLERS.get(type(event))
            if handler is not None:
                handler(self, event, before, session)
            for command in commands:
                if isinstance(command, StartVerification):
                    self.record("verification_started", {"method": command.method, **self._person(command.card)})
        except Exception:  # the audit must never stop the kiosk
            logger.exception("audit trail failed on %s", type(event).__name__)

    def note(self, event: ev.AuditNote, session=None) -> None:
        """An AuditNote posted by a flow or a device wiring; its free text is scrubbed of ID-number shapes."""
        details = {str(k): _scrub(v) for k, v in dict(event.details or {}).items()}
        if event.card is not None:
            details.update(self._person(event.card))
        actor = event.actor or (session.staff_id if session is not None and session.staff_id else None)
        self.record(_scrub(event.action)[:64], details, actor)

    def _person(self, card) -> dict:
        """The card as a pseudonym and its type: never the number, the name or anything else printed on it."""
        number = getattr(card, "id_number", None)
        if not number:
            return {}
        out = {"person": self.log.store.sealer.subject(number)[:PERSON_CHARS]}
        card_type = getattr(card, "card_type", None)
        if card_type:
            out["card_type"] = str(card_type)
        return out

    # -- taps -------------------------------------------------------------------------------------------------
    def journal_hook(self, action: str, details: dict) -> None:
        """For kiosk.payment_journal.PaymentJournal(audit=...): called inside the journal's write transaction, so a
        payment step and its audit record are committed together (or neither is)."""
        self.log.record(action, self.kiosk_id, details)

    def audited_printer(self, printer):
        return None if printer is None else AuditedPrinter(printer, self)

    def door_listener(self, bank):
        """A listener for the locker's lock controller: every door the sensors see open or close, whoever opened it
        (a pickup, staff in maintenance, or force), by compartment label of `bank` (peripherals.locker.LockerBank)."""
        from peripherals.locker.model import DoorReported, LockChanged

        labels = {(c.board, c.lock): c.label for c in bank.compartments}

        def on_event(event) -> None:
            if isinstance(event, (LockChanged, DoorReported)):
                self.record("door_sensor", {
                    "compartment": labels.get((event.board, event.lock), f"board{event.board}-lock{event.lock}"),
                    "door_closed": event.door_closed, "item_present": getattr(event, "item_present", None)})

        return on_event

    def config_loaded(self, config, reason: str = "start") -> str:
        """Record the configuration's hash when it differs from the one recorded last; returns the hash.

        The hash covers the validated configuration (file and environment overrides), as the kiosk runs it."""
        digest = hashlib.sha256(config.model_dump_json().encode()).hexdigest()
        store = self.log.store
        try:
            row = store.query("SELECT value FROM meta WHERE name = ?", (CONFIG_HASH_META,))
            previous = row[0][0] if row else None
            if previous == digest:
                return digest
            with store.write() as conn:
                self.log.record("config_changed", self.kiosk_id,
                                {"sha256": digest, "previous_sha256": previous, "reason": reason})
                conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (CONFIG_HASH_META, digest))
        except Exception as exc:
            logger.error("could not record the configuration's hash (%s)", type(exc).__name__)
            self.problem = "audit_log_unwritable"
        return digest


class AuditedPrinter:
    """A printer whose every job is recorded: device, job name (proof-<id>, certificate-<serial>...) and outcome."""

    def __init__(self, printer, trail: AuditTrail):
        self._printer = printer
        self._trail = trail

    def __getattr__(self, name):
        return getattr(self._printer, name)

    def print_pdf(self, pdf: bytes, job_name: str, *args, **kwargs):
        code = self._printer.print_pdf(pdf, job_name, *args, **kwargs)
        self._trail.record("print", {"device": self._printer.name, "job": _scrub(job_name)[:80],
                                     "outcome": getattr(code, "value", str(code))})
        return code

    def print_elements(self, elements, *args, **kwargs):
        code = self._printer.print_elements(elements, *args, **kwargs)
        self._trail.record("print", {"device": self._printer.name, "job": "receipt", "lines": len(elements),
                                     "outcome": getattr(code, "value", str(code))})
        return code


def _scrub(value):
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {str(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


# -- one small handler per audited event ---------------------------------------------------------------------------
def _verified(trail: AuditTrail, event: ev.IdentityVerified, before: Before, session) -> None:
    if before.state == "verify" and before.card is not None:
        score = None if event.score is None else round(float(event.score), 4)
        trail.record("verification", {"outcome": "verified", "method": event.method, "score": score,
                                      **trail._person(before.card)})


def _verification_failed(trail: AuditTrail, event: ev.VerificationFailed, before: Before, session) -> None:
    if before.state == "verify":
        trail.record("verification", {"outcome": event.reason, **trail._person(before.card)})


def _staff_credential(trail: AuditTrail, event, before: Before, session) -> None:
    trail.record("staff_credential_presented", {"locked_s": round(float(event.locked_s), 1)})


def _staff_pin_rejected(trail: AuditTrail, event, before: Before, session) -> None:
    trail.record("staff_sign_in_failed", {"reason": event.message_key, "attempts_left": event.attempts_left,
                                          "locked_s": round(float(event.locked_s), 1)})


def _maintenance(trail: AuditTrail, event: ev.MaintenanceRequested, before: Before, session) -> None:
    entered = str(session.state) == "maintenance"
    trail.record("staff_sign_in" if entered else "staff_sign_in_refused",
                 {"from_state": before.state}, actor=event.staff_id)


def _maintenance_exit(trail: AuditTrail, event, before: Before, session) -> None:
    if before.state == "maintenance" or before.staff_id:
        trail.record("staff_sign_out", {}, actor=before.staff_id)


def _service_mode(trail: AuditTrail, event: ev.ServiceModeCommanded, before: Before, session) -> None:
    trail.record("service_mode", {"in_service": event.in_service, "message": _scrub(event.message)[:200]})


def _pickup_attempt(trail: AuditTrail, event, before: Before, session) -> None:
    trail.record("pickup_attempt", {"method": event.method, "outcome": event.outcome, "code_id": event.code_id,
                                    "compartment": event.compartment})


def _door_opened(trail: AuditTrail, event, before: Before, session) -> None:
    trail.record("door_opened", {"compartment": event.compartment, "code_id": event.code_id},
                 actor=before.staff_id)


def _locker_alarm(trail: AuditTrail, event, before: Before, session) -> None:
    trail.record("locker_alarm", {"alarm": event.alarm, "compartment": event.compartment, "active": event.active})


def _flow_finished(trail: AuditTrail, event: ev.FlowFinished, before: Before, session) -> None:
    if before.state == "flow":
        trail.record("flow_finished", {"service": before.service, "outcome": event.outcome})


_HANDLERS: dict[type, Callable] = {
    ev.IdentityVerified: _verified,
    ev.VerificationFailed: _verification_failed,
    ev.StaffCredentialPresented: _staff_credential,
    ev.StaffPinRejected: _staff_pin_rejected,
    ev.MaintenanceRequested: _maintenance,
    ev.MaintenanceExited: _maintenance_exit,
    ev.ServiceModeCommanded: _service_mode,
    ev.PickupAttempted: _pickup_attempt,
    ev.LockerDoorOpened: _door_opened,
    ev.LockerAlarm: _locker_alarm,
    ev.FlowFinished: _flow_finished,
}
