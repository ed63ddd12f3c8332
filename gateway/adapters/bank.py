"""Bank submissions: a bank service point's mortgage registration, handed to the registration system (simulated)."""
from __future__ import annotations

import logging
import secrets
from typing import Protocol

logger = logging.getLogger(__name__)


class BankSubmissions(Protocol):
    def submit_mortgage(self, case_id: str, bank_kiosk_id: str) -> str: ...


class SimulatedBank:
    def submit_mortgage(self, case_id: str, bank_kiosk_id: str) -> str:
        reference = "BK" + secrets.token_hex(6).upper()
        logger.info("mortgage submission %s accepted (simulated)", reference)
        return reference
