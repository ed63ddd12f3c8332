"""Engines (SQLite pragmas, PostgreSQL pool), SQLite work in the event loop (run_db, GroupCommit), migrations."""
from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import sqlite3
import time
from pathlib import Path
from typing import Callable, TypeVar

import anyio
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, schema: str | None = None, prepared: bool = True) -> Engine:
    """An engine for a SQLAlchemy URL; `schema` (PostgreSQL only) puts everything in that schema, as tests do;
    prepared=False (PostgreSQL behind a transaction-pooling PgBouncer) turns psycopg's prepared statements off."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            # Created 0600 before SQLite opens it (its -wal and -shm files take the database file's mode).
            from gateway.secret_files import create_private_file

            create_private_file(Path(database))
        # The pool is larger than the worker-thread pool, so a transaction run in the event loop (run_db) never
        # waits for a connection: SQLite connections are cheap, and the write lock, not their number, serialises.
        pool = {} if database in (None, "", ":memory:") else {"pool_size": 5, "max_overflow": 60}
        engine = create_engine(url, connect_args={"timeout": 0, "check_same_thread": False}, **pool)

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
            # A served app checkpoints from a worker thread every second (gateway.background), long before this;
            # the threshold is only the bound for a process that does not (a CLI command, a test's server).
            cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            driver = connection.connection.driver_connection
            info = connection.connection.info
            wanted = "NORMAL" if connection.get_execution_options().get(RELAXED_DURABILITY) else "FULL"
            if info.get("sqlite_synchronous") != wanted:  # outside any transaction, where the pragma takes effect
                driver.execute(f"PRAGMA synchronous={wanted}")
                info["sqlite_synchronous"] = wanted
            if connection.get_execution_options().get(READ_ONLY):
                # A WAL reader takes no lock and never waits: it sees the last commit before its first read.
                driver.execute("BEGIN")
            elif _in_event_loop.get():
                _begin_immediate_or_busy(driver)
            else:
                _begin_immediate(driver)

        return engine
    connect_args = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    if not prepared:
        connect_args["prepare_threshold"] = None
    # No ping before every checkout (a round trip of its own on every request); a connection that broke (a server
    # or PgBouncer restart) is recycled: SQLAlchemy drops the pool on a disconnect error, the hot paths retry once on
    # a fresh connection (gateway.pg_hot_paths), and idle ones are replaced after five minutes.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=False, pool_recycle=300,
                           connect_args=connect_args)
    # What gateway.pg_hot_paths needs to open its own asynchronous connections to the same database.
    engine.hot_path_connect = {"conninfo": parsed.set(drivername="postgresql").render_as_string(hide_password=False),
                               "kwargs": dict(connect_args)}
    return engine


SQLITE_LOCK_WAIT_S = 10.0
# How often run_db retries a BEGIN IMMEDIATE from the event loop: the loop's timers tick in milliseconds (uvloop), and
# a shorter sleep becomes a busy spin that takes the CPU from the process holding the lock.
LOOP_LOCK_POLL_S = 0.0005

# Execution option for a transaction whose loss in a power cut is harmless (a heartbeat: the kiosk sends the next one
# 30 s later; a rate-limit count): on SQLite it commits with synchronous=NORMAL, which in WAL mode skips the fsync
# (still atomic and never corrupting; the last such commits may be rolled back after a power cut). Every other
# transaction (payments, events, audit) keeps synchronous=FULL. PostgreSQL ignores it.
RELAXED_DURABILITY = "kiosk_relaxed_durability"

# Execution option for a transaction that only reads: on SQLite it begins DEFERRED instead of IMMEDIATE, so it takes
# no write lock and never waits for one (a WAL reader works from a snapshot). Writing in it is an error on purpose:
# a deferred transaction that writes may fail with SQLITE_BUSY instead of waiting its turn.
READ_ONLY = "kiosk_read_only"

# Set while run_db() runs a function in the event loop: BEGIN IMMEDIATE then raises LockBusy instead of sleeping.
_in_event_loop: contextvars.ContextVar[bool] = contextvars.ContextVar("gateway_db_in_event_loop", default=False)


class LockBusy(Exception):
    """Another connection holds SQLite's write lock; run_db() waits without blocking the event loop and retries."""


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
            if time.monotonic() > deadline:  # as SQLAlchemy's own error, which the API answers with a 503
                raise OperationalError("BEGIN IMMEDIATE", None, exc) from None
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 1.5, 0.002)


def _begin_immediate_or_busy(dbapi_connection) -> None:
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LockBusy from None
        raise


T = TypeVar("T")


async def run_db(engine: Engine, work: Callable[..., T], *args) -> T:
    """Runs `work(*args)` (synchronous database work in its own short transactions) for an async endpoint.

    On PostgreSQL it goes to a worker thread, as every sync endpoint does. On SQLite it runs in the event loop
    itself: each statement is a few microseconds of local file access, and the thread hand-off plus the fight for the
    GIL between that thread and the loop cost more than the work (under load every SQLite call that releases the GIL
    waited up to a switch interval to get it back, and queues formed). The one real wait, for the write lock held by
    another process, is done asynchronously: `work` must therefore be safe to run again from the start after
    LockBusy, which is raised at a BEGIN IMMEDIATE, before anything of that transaction happened (so a `work` with
    several transactions must have at most one that writes, and it first).
    """
    if engine.dialect.name != "sqlite":
        return await anyio.to_thread.run_sync(work, *args)
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
    while True:
        token = _in_event_loop.set(True)
        try:
            return work(*args)
        except LockBusy:
            pass
        finally:
            _in_event_loop.reset(token)
        if time.monotonic() > deadline:
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        await asyncio.sleep(LOOP_LOCK_POLL_S)


class GroupCommit:
    """Group commit for one kind of small, frequent write on SQLite (heartbeats), per process and event loop.

    SQLite has one write lock for the whole database. With several gateway processes, every transaction that finds
    it taken waits, and on a busy machine its holder may be descheduled while holding it: per-request transactions
    then spend more time waiting than writing. Here the writes that arrive while one batch is waiting for the lock or
    being written are written together in the next transaction (run_db, in the event loop), so the lock is taken once
    per batch. A lone write is not delayed: the first one starts a batch at once. Nothing outlives the requests in
    the batch: this is in-flight work, not state kept between requests.

    `write_batch(items)` runs in one transaction and returns one outcome per item: a value, or an exception instance
    for that item alone (raised to its caller); an exception it raises fails the whole batch.
    """

    def __init__(self, engine: Engine, write_batch: Callable[[list], list], *, max_batch: int = 32):
        self._engine = engine
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[object, asyncio.Future]] = []
        self._drainer: asyncio.Task | None = None

    async def submit(self, item):
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test's): whatever the old one left is gone with it
            self._loop, self._pending, self._drainer = loop, [], None
        future = loop.create_future()
        self._pending.append((item, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        outcome = await future
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def _drain(self) -> None:
        while self._pending:
            batch = [entry for entry in self._pending[:self._max_batch] if not entry[1].done()]
            del self._pending[:self._max_batch]
            if not batch:
                continue
            try:
                outcomes = await run_db(self._engine, self._write_batch, [item for item, _ in batch])
            except Exception as exc:  # the whole batch failed (database unavailable...): every caller hears it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)


WAL_AUTOCHECKPOINT_PAGES = 10000  # 40 MB with 4 KB pages


def checkpoint_wal(engine: Engine) -> None:
    """Copies what the write-ahead log holds back into the database file, without waiting for readers or writers
    (PASSIVE). Outside any transaction: on a raw connection, whose driver is in autocommit mode here."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        raw.close()


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
