"""The locker's headless deposit and pickup flows, journaled so a power cut at any step is settled on restart.

A door is opened only after a journal entry says so; a pickup is recorded (outbox first, then the ledger, both
keyed by the entry's idempotency key) only when the sensors show the door shut again and the item gone. On restart
`settle()` reads the sensors for every unsettled entry: item gone -> the pickup is recorded; item still there and
door shut -> nothing happened and the code stays valid; door open -> alarm; cannot tell -> held for staff.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from kiosk.pickup.codes import PickupCode
from kiosk.pickup.ledger import Deposit, JournalEntry, PickupLedger
from kiosk.pickup.references import keep_references

logger = logging.getLogger(__name__)

# record_pickup(code_id, compartment, idempotency_key): durable (the outbox), safe to call twice with one key.
RecordPickup = Callable[[str, str, str], None]
# deposit_api(case_id, compartment, idempotency_key) -> {"deposit_id", "code_id", "qr", "digits_sha256", "expires_at"}
DepositApi = Callable[[str, str, str], dict]
Alarm = Callable[[str, str], None]  # (alarm code, compartment label): door_left_open, door_did_not_open, ...


@dataclass(frozen=True)
class LockerOutcome:
    ok: bool
    reason: str  # message key: picked_up, deposited, person_mismatch, door_did_not_open, door_left_open, ...
    compartment: str | None = None
    code_id: str | None = None
    case_id: str | None = None
    digits: str | None = None  # demo gateways only: the digits the applicant would get by SMS


def _epoch(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()


class LockerService:
    def __init__(self, bank, ledger: PickupLedger, *, record_pickup: RecordPickup, alarm: Alarm | None = None,
                 alarm_cleared: Alarm | None = None,
                 deposit_api: DepositApi | None = None, verifier=None,
                 print_slip: Callable[[LockerOutcome, Deposit | None], None] | None = None,
                 door_close_timeout_s: float = 120.0,
                 poll_s: float = 0.2, clock: Callable[[], float] = time.monotonic):
        self.bank = bank
        self.ledger = ledger
        self.record_pickup = record_pickup
        self.alarm = alarm or (lambda code, label: None)
        self.alarm_cleared = alarm_cleared or (lambda code, label: None)
        self.deposit_api = deposit_api
        self.verifier = verifier
        self.print_slip = print_slip
        self.door_close_timeout_s = door_close_timeout_s
        self.poll_s = poll_s
        self.clock = clock
        self._alarmed: set[tuple[str, str]] = set()
        self._open_since: dict[str, float] = {}
        self._busy = threading.Lock()  # one door at a time: a locker serves one person
        ledger.ensure_compartments((c.label, c.size) for c in bank.compartments)

    # -- pickup -----------------------------------------------------------------------------------------------
    def pickup(self, code: PickupCode, verified_id_number: str,
               on_opened: Callable[[str], None] | None = None) -> LockerOutcome:
        """Open the code's compartment for the verified holder or their registered agent, wait for the door to shut,
        record the pickup. `on_opened(label)` is called once the door is open (the screen then says "take it")."""
        label, cid = code.compartment, code.code_id
        who = code.collector(verified_id_number)
        if self.verifier is not None:
            self.verifier.record_identity(code, who is not None)
        if who is None:
            return LockerOutcome(False, "person_mismatch", label, cid)
        logger.info("pickup of code %s by the %s", cid, who)
        with self._busy:
            if self.ledger.is_used(cid) or self.ledger.is_held(cid):  # a second scan raced the first one
                return LockerOutcome(False, "code_used", label, cid)
            entry = self.ledger.begin("pickup", label, "opening", code_id=cid)
            result = self.bank.open(label)
            if not result.opened:
                self.ledger.advance(entry, "cancelled")
                self._raise("door_did_not_open", label)
                return LockerOutcome(False, "door_did_not_open", label, cid)  # the code stays valid
            entry = self.ledger.advance(entry, "opened")
            if on_opened is not None:
                try:
                    on_opened(label)
                except Exception:
                    logger.exception("pickup: the door-opened callback failed")
            state = self._wait_closed(label)
            if state is None:
                self._raise("door_left_open", label)
                return LockerOutcome(False, "door_left_open", label, cid)  # settle() finishes it once shut
            return self._finish_pickup(entry, state.item_present)

    def _finish_pickup(self, entry: JournalEntry, item_present: bool | None, slip: bool = True) -> LockerOutcome:
        """slip: print the pickup slip (not when settling later: the person has gone)."""
        if item_present:
            # Opened and shut with the certificate still inside: nothing was handed over; the code stays valid.
            self.ledger.advance(entry, "cancelled")
            logger.info("pickup from %s not taken; code %s stays valid", entry.compartment, entry.code_id)
            return LockerOutcome(False, "item_not_taken", entry.compartment, entry.code_id)
        # item_present None: a board without item sensors; the verified person opened and shut the door.
        deposit = self.ledger.deposit(entry.code_id)
        self.record_pickup(entry.code_id, entry.compartment, entry.idempotency_key)
        self.ledger.record_pickup(entry)
        self._clear(entry.compartment)
        logger.info("pickup of code %s from %s recorded", entry.code_id, entry.compartment)
        outcome = LockerOutcome(True, "picked_up", entry.compartment, entry.code_id,
                                deposit.case_id if deposit else None)
        if self.print_slip is not None and slip:
            try:
                self.print_slip(outcome, deposit)
            except Exception:  # no paper must not undo a pickup that happened
                logger.exception("pickup slip not printed")
        return outcome

    # -- deposit ----------------------------------------------------------------------------------------------
    def deposit(self, case_id: str, size: str = "medium") -> LockerOutcome:
        """Staff deposit: claim a free compartment of `size`, open it, wait for it to shut with an item inside,
        and have the gateway issue the pickup code. Two deposits can never claim one compartment."""
        if self.deposit_api is None:
            return LockerOutcome(False, "platform_unavailable")
        claim = str(uuid.uuid4())
        tried: list[str] = []
        with self._busy:
            while True:
                label = self.ledger.claim_free(size, claim, exclude=tried)
                if label is None:
                    return LockerOutcome(False, "no_free_compartment")
                tried.append(label)
                state = self.bank.state(label)
                if state is None or not state.door_closed or state.item_present:
                    # The ledger thinks it is free but the sensors disagree: take it out of use, try the next one.
                    self.ledger.set_compartment(label, "out_of_order")
                    self._raise("compartment_not_empty" if state and state.item_present else "compartment_fault",
                                label)
                    continue
                entry = self.ledger.begin("deposit", label, "opening", case_id=case_id)
                result = self.bank.open(label)
                if not result.opened:
                    self.ledger.advance(entry, "cancelled")
                    self.ledger.set_compartment(label, "out_of_order")
                    self._raise("door_did_not_open", label)
                    continue
                entry = self.ledger.advance(entry, "opened")
                state = self._wait_closed(label)
                if state is None:
                    self._raise("door_left_open", label)
                    return LockerOutcome(False, "door_left_open", label)
                return self._finish_deposit(entry, state.item_present)

    def _finish_deposit(self, entry: JournalEntry, item_present: bool | None) -> LockerOutcome:
        if item_present is False:
            self.ledger.advance(entry, "cancelled")
            self.ledger.set_compartment(entry.compartment, "free")
            return LockerOutcome(False, "no_item", entry.compartment)
        entry = self.ledger.advance(entry, "closed")
        return self._register_deposit(entry)

    def _register_deposit(self, entry: JournalEntry) -> LockerOutcome:
        try:
            answer = self.deposit_api(entry.case_id, entry.compartment, entry.idempotency_key)
            code_id, qr, digits = answer["code_id"], answer["qr"], answer["digits_sha256"]
            expires_at = _epoch(answer["expires_at"])
        except Exception as exc:  # offline or refused: the entry stays "closed" and settle() asks again
            key = getattr(exc, "message_key", exc.__class__.__name__)
            logger.warning("deposit in %s not registered yet: %s", entry.compartment, key)
            return LockerOutcome(False, "deposit_pending", entry.compartment)
        if self.ledger.deposit(code_id) is None:
            self.ledger.add_deposit(code_id, entry.compartment, digits, expires_at, qr, entry.case_id)
            keep_references(self.ledger, code_id, answer.get("references"))  # holder's and agents' encodings
        self.ledger.advance(entry, "recorded")
        self._clear(entry.compartment)
        logger.info("deposit in %s registered as code %s", entry.compartment, code_id)
        return LockerOutcome(True, "deposited", entry.compartment, code_id, entry.case_id, answer.get("digits"))

    # -- recovery ---------------------------------------------------------------------------------------------
    def settle(self) -> list[tuple[JournalEntry, str]]:
        """Resolve every unsettled journal entry from the sensors; safe to call at start-up and periodically."""
        outcomes = []
        with self._busy:
            for entry in self.ledger.unsettled():
                outcome = self._settle_one(entry)
                if outcome:
                    logger.info("journal entry %s (%s %s, step %s) settled: %s", entry.id, entry.kind,
                                entry.compartment, entry.step, outcome)
                    outcomes.append((entry, outcome))
        return outcomes

    def _settle_one(self, entry: JournalEntry) -> str:
        if entry.kind == "deposit" and entry.step == "closed":
            return self._register_deposit(entry).reason
        state = self.bank.state(entry.compartment)
        if state is None:
            return ""  # the board does not answer: try again later
        if not state.door_closed:
            self._raise("door_left_open", entry.compartment)
            return "door_left_open"
        if entry.kind == "pickup":
            if state.item_present is False:
                return self._finish_pickup(entry, False, slip=False).reason
            if state.item_present is None:
                if entry.step == "opened":
                    return self._finish_pickup(entry, None, slip=False).reason
                if entry.step != "held":  # did the door ever open? Without an item sensor nobody can say
                    self.ledger.advance(entry, "held")
                    self._raise("pickup_unsettled", entry.compartment)
                return "held"
            self.ledger.advance(entry, "cancelled")  # shut with the item inside: nothing was handed over
            self._clear(entry.compartment)
            return "cancelled"
        # an unfinished deposit
        if state.item_present is False:
            self.ledger.advance(entry, "cancelled")
            self.ledger.set_compartment(entry.compartment, "free")
            self._clear(entry.compartment)
            return "cancelled"
        if state.item_present is None and entry.step == "opening":
            self.ledger.advance(entry, "held")
            self._raise("deposit_unsettled", entry.compartment)
            return "held"
        entry = self.ledger.advance(entry, "closed")
        self._clear(entry.compartment)
        return self._register_deposit(entry).reason

    # -- watching ---------------------------------------------------------------------------------------------
    def watch_doors(self) -> list[str]:
        """Call periodically: any door standing open longer than the close timeout raises door_left_open once
        (to the screen and the fleet through the alarm callback); the alarm clears when the door shuts.
        Returns the labels of doors open now."""
        if not self._busy.acquire(blocking=False):
            return []  # a flow is at a door right now and watches it itself
        try:
            states = self.bank.states()
        finally:
            self._busy.release()
        now = self.clock()
        open_now = []
        for label, state in states.items():
            if state.door_closed:
                self._open_since.pop(label, None)
                self._clear(label)
                continue
            open_now.append(label)
            since = self._open_since.setdefault(label, now)
            if now - since >= self.door_close_timeout_s:
                self._raise("door_left_open", label)
        return open_now

    # -- helpers ----------------------------------------------------------------------------------------------
    def _wait_closed(self, label: str):
        deadline = self.clock() + self.door_close_timeout_s
        while True:
            state = self.bank.state(label)
            if state is not None and state.door_closed:
                return state
            if self.clock() >= deadline:
                return None
            time.sleep(self.poll_s)

    def _raise(self, code: str, label: str) -> None:
        if (code, label) in self._alarmed:
            return
        self._alarmed.add((code, label))
        logger.warning("locker alarm %s at compartment %s", code, label)
        try:
            self.alarm(code, label)
        except Exception:
            logger.exception("locker alarm callback failed")

    def _clear(self, label: str) -> None:
        cleared = {(c, lb) for c, lb in self._alarmed if lb == label}
        self._alarmed -= cleared
        for code, _label in sorted(cleared):
            logger.info("locker alarm %s at compartment %s cleared", code, label)
            try:
                self.alarm_cleared(code, label)
            except Exception:
                logger.exception("locker alarm-cleared callback failed")


def outbox_recorder(outbox, kind: str = "locker_pickup") -> RecordPickup:
    """A RecordPickup that writes the pickup to the durable outbox (offline_cache.Outbox) under the journal's key;
    enqueuing again after a crash with the same key returns the stored event, so it is delivered once."""
    def record(code_id: str, compartment: str, idempotency_key: str) -> None:
        outbox.enqueue(kind, {"code_id": code_id, "compartment": compartment},
                       occurred_at=dt.datetime.now(dt.timezone.utc), idempotency_key=idempotency_key)
    return record
