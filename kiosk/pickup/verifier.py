"""Offline pickup-code checks: signature, expiry, this locker, not used or revoked, typed digits; lockout and audit.

Nothing here needs the network: the keys come from the cached key ring and the used/revoked set from the ledger.
Five failures without a verified identity in between lock code entry for a while; every attempt, good or bad, goes to the audit callback with the
code id and outcome only (never the person).
"""
from __future__ import annotations

import hmac
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from cryptography.exceptions import InvalidSignature

from kiosk.pickup.codes import DIGITS_RE, PickupCode, PickupCodeError, digits_hash, parse_code

logger = logging.getLogger(__name__)

ACCEPTED = "accepted"


@dataclass(frozen=True)
class PickupAttempt:
    """One audited attempt. outcome is "accepted" or a message key (code_expired, digits_wrong, ...)."""

    at: float
    method: str  # "qr", "digits" or "identity"
    outcome: str
    code_id: str | None = None
    compartment: str | None = None


@dataclass(frozen=True)
class PickupCheck:
    ok: bool
    reason: str  # "accepted" or the message key to show
    code: PickupCode | None = None
    locked_for_s: float = 0.0


class AttemptGuard:
    """Counts failures in a row; at `max_failures` code entry locks for `lockout_s`, then starts afresh."""

    def __init__(self, max_failures: int = 5, lockout_s: float = 300.0, clock: Callable[[], float] = time.monotonic):
        if max_failures < 1 or lockout_s <= 0:
            raise ValueError("max_failures >= 1 and lockout_s > 0")
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self.failures = 0
        self._locked_until: float | None = None
        self._lock = threading.Lock()

    def locked_for(self) -> float:
        with self._lock:
            if self._locked_until is None:
                return 0.0
            left = self._locked_until - self.clock()
            if left <= 0:
                self._locked_until = None
                self.failures = 0
                return 0.0
            return left

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= self.max_failures:
                self._locked_until = self.clock() + self.lockout_s
                logger.warning("pickup code entry locked for %.0f s after %d failures", self.lockout_s,
                               self.failures)

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0


class PickupVerifier:
    def __init__(self, keys, ledger, locker_id: str, *, compartments: set[str] | None = None,
                 audit: Callable[[PickupAttempt], None] | None = None, guard: AttemptGuard | None = None,
                 clock: Callable[[], float] = time.time):
        self.keys = keys
        self.ledger = ledger
        self.locker_id = locker_id
        self.compartments = compartments
        self.audit = audit or (lambda attempt: None)
        self.guard = guard or AttemptGuard()
        self.clock = clock

    # -- public -----------------------------------------------------------------------------------------------
    def verify_qr(self, text: str) -> PickupCheck:
        return self._attempt("qr", lambda: self._check(parse_code(text)))

    def verify_digits(self, digits: str) -> PickupCheck:
        return self._attempt("digits", lambda: self._check_digits(digits))

    def record_identity(self, code: PickupCode, matched: bool) -> None:
        """The card + face check of the person at the locker against the code's subject: audited and counted."""
        outcome = ACCEPTED if matched else "person_mismatch"
        if matched:
            self.guard.succeeded()
        else:
            self.guard.failed()
        self._audit("identity", outcome, code.code_id, code.compartment)

    # -- internals --------------------------------------------------------------------------------------------
    def _attempt(self, method: str, check: Callable[[], PickupCode]) -> PickupCheck:
        locked = self.guard.locked_for()
        if locked > 0:
            self._audit(method, "code_entry_locked", None, None)
            return PickupCheck(False, "code_entry_locked", None, locked)
        code = None
        try:
            code = check()
        except PickupCodeError as exc:
            self.guard.failed()
            failing = getattr(exc, "code", None)
            self._audit(method, exc.reason, getattr(failing, "code_id", None), getattr(failing, "compartment", None))
            return PickupCheck(False, exc.reason, None, self.guard.locked_for())
        # The failure count is not reset here: only the identity step (record_identity) clears it, so valid scans
        # between wrong guesses do not buy more guesses.
        self._audit(method, ACCEPTED, code.code_id, code.compartment)
        return PickupCheck(True, ACCEPTED, code)

    def _audit(self, method: str, outcome: str, code_id: str | None, compartment: str | None) -> None:
        attempt = PickupAttempt(self.clock(), method, outcome, code_id, compartment)
        logger.info("pickup attempt %s: %s%s", method, outcome, f" (code {code_id})" if code_id else "")
        try:
            self.audit(attempt)
        except Exception:  # the audit sink's failure must not decide whether a door opens
            logger.exception("pickup audit callback failed")

    def _fail(self, reason: str, code: PickupCode) -> PickupCodeError:
        error = PickupCodeError(reason)
        error.code = code  # lets the audit name the code id once the signature has proved it genuine
        return error

    def _check(self, code: PickupCode) -> PickupCode:
        key = self.keys.key(code.key_id)
        if key is None:
            raise PickupCodeError("code_unknown_key")
        try:
            key.verify(code.signature, code.payload)
        except InvalidSignature:
            raise PickupCodeError("code_bad_signature") from None
        # From here the payload is the gateway's own word.
        if code.locker_id != self.locker_id:
            raise self._fail("code_wrong_locker", code)
        if code.expires_at <= self.clock():
            raise self._fail("code_expired", code)
        if self.ledger.is_revoked(code.code_id):
            raise self._fail("code_revoked", code)
        if self.ledger.is_used(code.code_id):
            raise self._fail("code_used", code)
        if self.ledger.is_held(code.code_id):
            raise self._fail("code_held", code)
        if self.compartments is not None and code.compartment not in self.compartments:
            raise self._fail("code_unknown_compartment", code)
        # A genuine signature is not enough (the signing key may have leaked): this locker must hold a deposit
        # under this code, in this compartment.
        deposit = self.ledger.deposit(code.code_id)
        if deposit is None or deposit.compartment != code.compartment:
            raise self._fail("code_no_deposit", code)
        return code

    def _check_digits(self, digits: str) -> PickupCode:
        digits = (digits or "").strip()
        if not DIGITS_RE.match(digits):
            raise PickupCodeError("digits_malformed")
        for deposit in self.ledger.active_deposits():
            if hmac.compare_digest(digits_hash(deposit.code_id, digits), deposit.digits_sha256):
                code = parse_code(deposit.qr)
                if code.code_id != deposit.code_id:  # the stored QR must be the deposit's own
                    raise PickupCodeError("code_malformed")
                return self._check(code)
        raise PickupCodeError("digits_wrong")
