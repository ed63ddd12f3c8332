"""Fixtures for the UI tests: the real kiosk app in a child process, driven through its control channel."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "var" / "test-screenshots"

# Kivy, when imported in this process (the bridge test), must not parse pytest's arguments nor write to ~/.kivy.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_NO_CONFIG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))


def shot(client, language: str, name: str) -> Path:
    """Screenshot into var/test-screenshots/<language>/<name>.png (kept after the run, for people to look at)."""
    path = SCREENSHOTS / language / f"{name}.png"
    client.screenshot(path)
    return path


def assert_fits(state: dict) -> None:
    """Every visible text fits its widget, and every button is a large touch target."""
    assert state["overflows"] == [], f"on the {state['screen']} screen: {state['overflows']}"
    for button in state["buttons"]:
        assert button["height"] >= 100 and button["width"] >= 200, f"small touch target: {button}"


def texts(state: dict) -> str:
    return "\n".join(t["text"] for t in state["texts"])


@pytest.fixture
def kiosk_workdir():
    # Short path: the control socket lives here and Unix socket paths are limited to 108 bytes.
    with tempfile.TemporaryDirectory(prefix="kiosk-ui-") as path:
        yield Path(path)


def running(demo):
    """Start a kiosk_testkit.demo.DemoStack for a module fixture, printing the kiosk's log when it fails to come up;
    use as `yield from running(DemoStack(...))`."""
    try:
        demo.start()
    except Exception:
        if demo.kiosk is not None:
            print(demo.kiosk.log_text())
        raise
    try:
        yield demo
    finally:
        demo.stop()


def at_attract(stack):
    """For a per-test fixture (`yield from at_attract(stack)`): the stack at the attract screen before the test, and
    back there after it, with the card lifted and whatever session the test left cancelled."""
    stack.client.wait_for_screen("attract", 30)
    yield stack
    stack.simulator.lift()
    time.sleep(1.0)
    if stack.client.state()["screen"] not in ("attract", "out_of_service"):
        stack.client.post("CancelRequested")
    stack.client.wait_for_screen("attract", 30)
