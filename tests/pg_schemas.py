"""Throwaway PostgreSQL schemas for tests: each test's own, dropped at the end even when a lock order collides."""
from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.exc import OperationalError


def drop_schema(admin, schema: str, tries: int = 5) -> None:
    """DROP SCHEMA ... CASCADE; a deadlock with a connection still finishing its last statement in that schema
    (PostgreSQL ends one of the two) is tried again once the other has gone on."""
    for attempt in range(tries):
        try:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            return
        except OperationalError as exc:
            if "deadlock" not in str(exc).lower() or attempt == tries - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
