"""Certificate pickup at a locker: offline code verification, the compartment ledger, and the journaled flows."""
from kiosk.pickup.codes import PickupCode, PickupCodeError, digits_hash, parse_code, subject_hash
from kiosk.pickup.keys import PickupKeyRing
from kiosk.pickup.ledger import Deposit, JournalEntry, PickupLedger
from kiosk.pickup.service import LockerOutcome, LockerService, outbox_recorder
from kiosk.pickup.verifier import AttemptGuard, PickupAttempt, PickupCheck, PickupVerifier

__all__ = ["AttemptGuard", "Deposit", "JournalEntry", "LockerOutcome", "LockerService", "PickupAttempt",
           "PickupCheck", "PickupCode", "PickupCodeError", "PickupKeyRing", "PickupLedger", "PickupVerifier",
           "digits_hash", "outbox_recorder", "parse_code", "subject_hash"]
