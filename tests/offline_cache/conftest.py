"""Fixtures for the offline store: a fresh store in a temporary folder, with a clock the test moves."""
from __future__ import annotations

import os
import random

import pytest

from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store
from tests.fakes import Clock

ID_NUMBER = "110105196108041235"  # obama in docs/demo-persons.md
NAME = "欧阳明"


@pytest.fixture
def clock():
    return Clock(1_800_000_000.0)  # wall-clock seconds: records carry dates


@pytest.fixture
def key():
    return os.urandom(32)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "kiosk.db"


@pytest.fixture
def store(db_path, key, clock):
    s = Store.open(db_path, key, clock=clock)
    yield s
    s.close()


@pytest.fixture
def offline(store):
    return OfflineStore(store, retention_days=30, reverify_window_s=300, backoff_base_s=1.0, backoff_max_s=60.0,
                        rng=random.Random(7))


def file_bytes(db_path) -> bytes:
    """Everything SQLite has on disk for this database: main file and WAL."""
    data = b""
    for suffix in ("", "-wal"):
        p = db_path.with_name(db_path.name + suffix)
        if p.exists():
            data += p.read_bytes()
    return data
