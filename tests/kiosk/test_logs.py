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


def test_json_lines_in_the_file_and_on_stderr_are_masked(root_handlers, monkeypatch, tmp_path):
    import json

    from config.schema import LoggingConfig

    assert LoggingConfig(format="json").format == "json"
    with pytest.raises(ValueError):
        LoggingConfig(format="xml")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    log = tmp_path / "kiosk.log"
    configure_logging("INFO", log, json_lines=True)
    logging.getLogger("kiosk.test").warning("card %s read", "110105196108041235")
    for handler in logging.getLogger().handlers:
        handler.flush()
    for text in (err.getvalue(), log.read_text(encoding="utf-8")):
        record = json.loads(text.strip().splitlines()[-1])
        assert record["level"] == "WARNING" and record["logger"] == "kiosk.test" and record["time"]
        assert "110105196108041235" not in text and record["message"].startswith("card 1101")
