"""Database engine set-up (SQLite pragmas, PostgreSQL pool) and running the Alembic migrations on start."""
from __future__ import annotations

import logging
import random
import sqlite3
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for a SQLAlchemy URL; `schema` (PostgreSQL only) puts everything in that schema, as tests do."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 0, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # The driver's implicit transactions are turned off so every transaction starts with BEGIN IMMEDIATE:
            # a deferred one that reads and then writes can fail at once with SQLITE_BUSY when another process wrote
            # in between, whereas IMMEDIATE waits its turn on the busy timeout.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # Every commit is durable (FULL syncs the WAL) unless its transaction asked for RELAXED_DURABILITY.
            cursor.execute("PRAGMA synchronous=FULL")
            _record.info["sqlite_synchronous"] = "FULL"
            cursor.execute("PRAGMA foreign_keys=ON")
            # Only BEGIN IMMEDIATE ever waits for the lock, and it polls by itself (below).
            cursor.execute("PRAGMA busy_timeout=0")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            driver = connection.connection.driver_connection
            info = connection.connection.info
            wanted = "NORMAL" if connection.get_execution_options().get(RELAXED_DURABILITY) else "FULL"
            if info.get("sqlite_synchronous") != wanted:  # outside any transaction, where the pragma takes effect
                driver.execute(f"PRAGMA synchronous={wanted}")
                info["sqlite_synchronous"] = wanted
            _begin_immediate(driver)

        return engine
    connect_args = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=connect_args)


SQLITE_LOCK_WAIT_S = 10.0

# Execution option for a transaction whose loss in a power cut is harmless (a heartbeat: the kiosk sends the next one
# 30 s later; a rate-limit count): on SQLite it commits with synchronous=NORMAL, which in WAL mode skips the fsync
# (still atomic and never corrupting; the last such commits may be rolled back after a power cut). Every other
# transaction (payments, events, audit) keeps synchronous=FULL. PostgreSQL ignores it.
RELAXED_DURABILITY = "kiosk_relaxed_durability"


def _begin_immediate(dbapi_connection) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock in short, jittered steps.

    SQLite's own busy handler backs off to sleeps of 25-100 ms, which under steady contention between gateway
    processes becomes the p99 latency. The lock is held only for one short transaction, so poll it finely instead.
    Once BEGIN IMMEDIATE succeeds no later statement of the transaction waits for a lock (WAL mode).
    """
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
    delay = 0.0002
    while True:
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 1.5, 0.002)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (safe to run from several processes: Alembic skips applied ones)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    logger.info("database schema is up to date")
