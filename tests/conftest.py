"""Fixtures shared by the whole suite: repository paths and the face test data beside the repository."""
from __future__ import annotations

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
