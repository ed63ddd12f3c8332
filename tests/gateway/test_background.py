"""The app's background tasks: WAL checkpoints on SQLite run in a worker thread while the app serves, and stop with
it; the alert checker has its own tests (tests/gateway/dashboard/test_alert_checker.py)."""
from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

import gateway.background as background


def test_sqlite_checkpoints_run_off_the_event_loop_while_the_app_serves(app, monkeypatch):
    calls: list[str] = []
    real = background.checkpoint_wal

    def counting(engine):
        calls.append(threading.current_thread().name)
        real(engine)

    monkeypatch.setattr(background, "CHECKPOINT_EVERY_S", 0.02)
    monkeypatch.setattr(background, "checkpoint_wal", counting)
    with TestClient(app) as client:
        loop_thread = client.portal.call(lambda: threading.current_thread().name)
        deadline = time.monotonic() + 10
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    stopped_at = len(calls)
    time.sleep(0.2)
    if app.state.engine.dialect.name == "sqlite":
        assert len(calls) >= 3 and loop_thread not in calls
    else:  # PostgreSQL has no WAL of ours to checkpoint
        assert calls == []
    assert len(calls) == stopped_at  # stopped with the app
