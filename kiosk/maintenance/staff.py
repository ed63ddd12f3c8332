"""Staff sign-in for maintenance mode: scrypt-hashed staff cards, staff QR codes and PINs, with a lockout.

A staff member presents a staff card (the ID number read from the card reader) or a configured staff QR code, then
types a PIN. Card numbers, QR codes and PINs are configured only as scrypt hashes (secrethash, shared with the gateway); a wrong PIN
counts towards a lockout.
"""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from kiosk import events as ev
from secrethash import hash_secret, verify_secret

logger = logging.getLogger(__name__)


# -- staff credentials --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffCredential:
    staff_id: str
    pin_hash: str
    card_hash: str | None = None
    qr_hash: str | None = None

    @classmethod
    def from_config(cls, c) -> "StaffCredential":
        """From a config.schema.StaffCredentialConfig."""
        return cls(c.staff_id, c.pin_hash, c.card_hash, c.qr_hash)


class MaintenanceLocked(Exception):
    """Too many wrong PINs: entry is refused until `retry_in_s` has passed."""

    message_key = "maintenance_locked"

    def __init__(self, retry_in_s: float):
        super().__init__(f"maintenance entry locked for {int(retry_in_s)} s")
        self.retry_in_s = retry_in_s


@dataclass(frozen=True)
class CredentialOutcome:
    """ok: entry granted (staff_id set); otherwise message_key says why, for the screen."""

    ok: bool
    message_key: str
    staff_id: str | None = None


class StaffGate:
    """Two steps: present a card or QR code (who), then a PIN (proof). Counts wrong PINs and locks out."""

    def __init__(self, staff: Iterable[StaffCredential], *, max_failures: int = 5, lockout_s: float = 300,
                 clock: Callable[[], float] = time.monotonic):
        self.staff = tuple(staff)
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self.failures = 0
        self.locked_until = 0.0
        self._pending: StaffCredential | None = None

    @classmethod
    def from_config(cls, fleet_config, clock: Callable[[], float] = time.monotonic) -> "StaffGate":
        """From a config.schema.FleetConfig."""
        return cls([StaffCredential.from_config(c) for c in fleet_config.staff],
                   max_failures=fleet_config.pin_max_failures, lockout_s=fleet_config.pin_lockout_s, clock=clock)

    def _check_lock(self) -> None:
        left = self.locked_until - self.clock()
        if left > 0:
            raise MaintenanceLocked(left)

    @property
    def takes_cards(self) -> bool:
        return any(s.card_hash for s in self.staff)

    @property
    def takes_codes(self) -> bool:
        return any(s.qr_hash for s in self.staff)

    def locked_for(self) -> float:
        """Seconds until entry is possible again (0: not locked)."""
        return max(0.0, self.locked_until - self.clock())

    def match_card(self, id_number: str) -> StaffCredential | None:
        """The staff member whose card this is, lockout or not (None for an applicant's card)."""
        return next((s for s in self.staff if s.card_hash and verify_secret(id_number, s.card_hash)), None)

    def match_qr(self, code: str) -> StaffCredential | None:
        return next((s for s in self.staff if s.qr_hash and verify_secret(code, s.qr_hash)), None)

    def present_card(self, id_number: str) -> CredentialOutcome:
        """The ID number from the card on the reader. A non-staff card is simply not a staff credential."""
        self._check_lock()
        return self._presented(self.match_card(id_number))

    def present_qr(self, code: str) -> CredentialOutcome:
        self._check_lock()
        return self._presented(self.match_qr(code))

    def _presented(self, match: StaffCredential | None) -> CredentialOutcome:
        self._pending = match
        if match is None:
            # Every applicant's card passes here at the attract screen: not worth a line each.
            logger.debug("maintenance: a credential was presented that is not a staff credential")
            return CredentialOutcome(False, "not_staff_credential")
        return CredentialOutcome(False, "enter_pin")

    @property
    def attempts_left(self) -> int:
        return max(0, self.max_failures - self.failures)

    def enter_pin(self, pin: str) -> CredentialOutcome:
        self._check_lock()
        staff = self._pending  # kept after a wrong PIN: the staff member types it again on the same pad
        if staff is None:
            return CredentialOutcome(False, "present_credential_first")
        if not (pin.isdigit() and 4 <= len(pin) <= 12) or not verify_secret(pin, staff.pin_hash):
            self.failures += 1
            logger.warning("maintenance: wrong PIN for staff %s (%d in a row)", staff.staff_id, self.failures)
            if self.failures >= self.max_failures:
                self.failures = 0
                self._pending = None
                self.locked_until = self.clock() + self.lockout_s
                logger.warning("maintenance entry locked for %d s", int(self.lockout_s))
                raise MaintenanceLocked(self.lockout_s)
            return CredentialOutcome(False, "wrong_pin")
        self._pending = None
        self.failures = 0
        logger.info("maintenance: staff %s signed in", staff.staff_id)
        return CredentialOutcome(True, "maintenance_granted", staff.staff_id)

    def cancel(self) -> None:
        self._pending = None


def maintenance_event(outcome: CredentialOutcome) -> ev.MaintenanceRequested | None:
    """The session event for a granted entry (post it to kiosk.runtime.Runtime)."""
    return ev.MaintenanceRequested(staff_id=outcome.staff_id) if outcome.ok and outcome.staff_id else None


def main(argv: list[str] | None = None) -> int:
    """`python -m kiosk.maintenance hash-secret`: reads a PIN, QR code or card number from stdin, prints its hash."""
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["hash-secret"]:
        print("usage: python -m kiosk.maintenance hash-secret  (the secret is read from stdin)", file=sys.stderr)
        return 1
    secret = sys.stdin.readline().rstrip("\r\n")
    try:
        print(hash_secret(secret))
    except ValueError as exc:
        print(f"kiosk.maintenance: {exc}", file=sys.stderr)
        return 1
    return 0
