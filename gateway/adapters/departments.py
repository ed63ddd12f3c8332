"""The departments an application is sent to at once (并联审核): registration, housing and tax intake (simulated)."""
from __future__ import annotations

import logging
import secrets
import threading
from typing import Protocol

logger = logging.getLogger(__name__)

DEPARTMENTS = ("registration", "housing", "tax")
DEPARTMENT_NAMES = {"registration": "不动产登记中心", "housing": "住房和城乡建设委员会", "tax": "税务局"}


class DepartmentRefused(Exception):
    """The department's intake refused or failed; the message (no personal data) is kept with the push."""


class DepartmentIntake(Protocol):
    def receive(self, application_no: str, business_code: str, case_kind: str) -> str:
        """Takes the application in; returns the department's reference. Idempotent on `application_no`: sent
        again (a retry after a lost answer) it returns the same reference and takes nothing in twice."""


class SimulatedDepartment:
    """An intake that keeps what it was sent in memory. Faults for tests: `fail_next` refusals, and
    `lose_answer_next` takes the application in but the answer is lost on the way back (the caller sees a failure
    and must retry without doubling it)."""

    def __init__(self, department: str):
        self.department = department
        self.received: dict[str, str] = {}
        self.deliveries: dict[str, int] = {}
        self.fail_next = 0
        self.lose_answer_next = 0
        self.entered = threading.Event()  # set when a call starts (tests see the three run together)
        self.release: threading.Event | None = None  # when set by a test, a call waits for it before answering
        self._lock = threading.Lock()

    def receive(self, application_no: str, business_code: str, case_kind: str) -> str:
        self.entered.set()
        if self.release is not None:
            self.release.wait(30)
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                raise DepartmentRefused(f"{self.department} intake unavailable (simulated)")
            self.deliveries[application_no] = self.deliveries.get(application_no, 0) + 1
            reference = self.received.get(application_no)
            if reference is None:
                reference = self.received[application_no] = f"{self.department[:2].upper()}{secrets.token_hex(5).upper()}"
            if self.lose_answer_next > 0:
                self.lose_answer_next -= 1
                raise DepartmentRefused(f"{self.department} answer lost (simulated)")
        logger.info("application handed to %s (simulated): %s", self.department, reference)
        return reference


def simulated_departments() -> dict[str, DepartmentIntake]:
    return {name: SimulatedDepartment(name) for name in DEPARTMENTS}
