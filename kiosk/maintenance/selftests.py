"""Device self-tests for maintenance mode: each ends in a short, masked result to show, never a crash."""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from kiosk.privacy import scrub_text

logger = logging.getLogger(__name__)


# -- device self-tests --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelfTestResult:
    name: str
    ok: bool
    detail: str
    duration_s: float


@dataclass
class SelfTests:
    """name -> a callable that tests one device and returns a short outcome (truthy text) or raises on failure.
    A callable may return (ok: bool, detail: str) instead."""

    tests: dict[str, Callable[[], object]] = field(default_factory=dict)

    def add(self, name: str, test: Callable[[], object]) -> None:
        self.tests[name] = test

    def names(self) -> list[str]:
        return sorted(self.tests)

    def run(self, name: str) -> SelfTestResult:
        test = self.tests.get(name)
        if test is None:
            return SelfTestResult(name, False, "no such test", 0.0)
        started = time.monotonic()
        try:
            outcome = test()
        except Exception as exc:  # a failing device is a result to show, not a crash of maintenance mode
            logger.warning("self-test %s failed: %s", name, type(exc).__name__)
            return SelfTestResult(name, False, scrub_text(f"{type(exc).__name__}: {exc}")[:200],
                                  time.monotonic() - started)
        if isinstance(outcome, tuple) and len(outcome) == 2:
            ok, detail = bool(outcome[0]), scrub_text(str(outcome[1]))[:200]
        else:
            ok, detail = True, scrub_text(str(outcome))[:200] if outcome else "ok"
        logger.info("self-test %s: %s", name, "passed" if ok else "failed")
        return SelfTestResult(name, ok, detail, time.monotonic() - started)


def receipt_test_page(printer, kiosk_id: str, version: str) -> Callable[[], tuple[bool, str]]:
    """A self-test (and the fleet command print_test_page) for a peripherals.printer.ReceiptPrinter."""
    from peripherals.printer.layout import Cut, Feed, Rule, Text

    def test() -> tuple[bool, str]:
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        code = printer.print_elements([Text("测试页 TEST PAGE", align="center", bold=True), Rule(),
                                       Text(f"kiosk {kiosk_id}"), Text(f"version {version}"), Text(now),
                                       Feed(2), Cut()])
        return code.value == "success", f"test page: {code.value}"
    return test


