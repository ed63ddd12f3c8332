"""Fixtures shared by the whole suite: repository paths and the face test data beside the repository."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FACES_DIR = REPO_ROOT.parent / "shared" / "data" / "faces"


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
