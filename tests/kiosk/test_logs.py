"""Logging set-up: records go to the stderr of the moment, through the personal-data filter."""
from __future__ import annotations

import io
import logging
import sys

import pytest

from kiosk.logs import configure_logging


@pytest.fixture
def root_handlers():
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def test_a_stderr_swapped_and_closed_since_set_up_is_not_written_to(root_handlers, monkeypatch):
    at_set_up, now = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", at_set_up)
    configure_logging("INFO")
    monkeypatch.setattr(sys, "stderr", now)
    at_set_up.close()
    logging.getLogger("kiosk.test").warning("printer offline for ID 110105196108041235")
    written = now.getvalue()
    assert "printer offline" in written and "Logging error" not in written
    assert "110105196108041235" not in written  # the personal-data filter is on the handler
