"""Fixtures shared by the whole suite: repository paths, the face test data beside the repository, and a virtual
display of each test process's own when the machine has none."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FACES_DIR = REPO_ROOT.parent / "shared" / "data" / "faces"


def pytest_configure(config):
    """Each test process (every pytest-xdist worker, or the one serial process) gets its own Xvfb when there is no
    DISPLAY: kiosk windows, screenshots and xdotool key events of one worker never meet another's. The xdist
    controller runs no test and starts none."""
    if os.environ.get("DISPLAY") or (config.getoption("numprocesses", None) and not hasattr(config, "workerinput")):
        return
    from kiosk_testkit.xvfb import VirtualDisplay, VirtualDisplayError

    try:
        display = VirtualDisplay().start()
    except VirtualDisplayError as error:  # the UI tests then fail saying so; the rest still runs
        logging.getLogger(__name__).warning("no virtual display for this test process: %s", error)
        return
    config.stash[_DISPLAY] = display
    os.environ["DISPLAY"] = display.display


def pytest_unconfigure(config):
    display = config.stash.get(_DISPLAY, None)
    if display is not None:
        display.stop()
        os.environ.pop("DISPLAY", None)


_DISPLAY = pytest.StashKey()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    if not FACES_DIR.is_dir():
        pytest.fail(f"face test data not found at {FACES_DIR} (shared/ must sit beside the repository)")
    return FACES_DIR


@pytest.fixture(autouse=True)
def _no_logging_handlers_left_behind():
    """A command run in-process (`main([...])`) sets logging up on the stderr of that test; later tests must not
    inherit its handlers. pytest's own capture handlers are left alone."""
    root = logging.getLogger()
    before = set(root.handlers)
    level = root.level
    yield
    for handler in list(root.handlers):
        if handler not in before and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
    root.setLevel(level)
