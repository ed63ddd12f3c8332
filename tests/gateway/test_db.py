"""gateway.db: run_db waits for SQLite's write lock without blocking the loop; GroupCommit batches and answers each
caller with its own outcome."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import text

from gateway.db import READ_ONLY, GroupCommit, LockBusy, make_engine, run_db


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    yield engine
    engine.dispose()


class Refused(Exception):
    pass


def test_group_commit_writes_what_arrives_together_in_one_batch(sqlite_engine):
    batches: list[list] = []

    def write_batch(items):
        batches.append(list(items))
        return [Refused(item) if item % 5 == 0 else item * 10 for item in items]

    async def main():
        group = GroupCommit(sqlite_engine, write_batch, max_batch=8)

        async def one(item):
            try:
                return await group.submit(item)
            except Refused as exc:
                return f"refused {exc.args[0]}"
        return await asyncio.gather(*(one(i) for i in range(1, 21)))

    answers = asyncio.run(main())
    # Each caller gets its own outcome; an item's exception goes to that caller only.
    assert answers == [f"refused {i}" if i % 5 == 0 else i * 10 for i in range(1, 21)]
    # All twenty arrived before the first batch started: batches of at most eight, in order.
    assert [len(b) for b in batches] == [8, 8, 4] and sum(batches, []) == list(range(1, 21))


def test_group_commit_retries_a_batch_while_another_process_holds_the_lock(sqlite_engine):
    attempts = []

    def write_batch(items):
        attempts.append(list(items))
        if len(attempts) < 3:
            raise LockBusy
        return list(items)

    async def main():
        group = GroupCommit(sqlite_engine, write_batch)
        return await asyncio.gather(group.submit("a"), group.submit("b"))

    assert asyncio.run(main()) == ["a", "b"]
    assert attempts == [["a", "b"]] * 3


def test_a_failing_batch_fails_every_caller_in_it_and_the_next_batch_still_runs(sqlite_engine):
    def write_batch(items):
        if "bad" in items:
            raise RuntimeError("disk full")
        return list(items)

    async def main():
        group = GroupCommit(sqlite_engine, write_batch)
        first = await asyncio.gather(group.submit("bad"), group.submit("x"), return_exceptions=True)
        return first, await group.submit("y")

    first, second = asyncio.run(main())
    assert [type(a) for a in first] == [RuntimeError, RuntimeError] and second == "y"


def test_group_commit_survives_a_new_event_loop(sqlite_engine):
    group = GroupCommit(sqlite_engine, lambda items: list(items))
    assert asyncio.run(group.submit(1)) == 1
    assert asyncio.run(group.submit(2)) == 2  # a test's second client runs a new loop: nothing of the old one is used


def test_run_db_waits_for_a_lock_held_elsewhere_without_blocking_the_loop(sqlite_engine, tmp_path):
    with sqlite_engine.begin() as db:
        db.execute(text("CREATE TABLE t (n INTEGER)"))
    holder = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's transaction

    def work():
        with sqlite_engine.begin() as db:
            db.execute(text("INSERT INTO t VALUES (1)"))
        return "written"

    async def main():
        ticks = 0

        async def release_later():
            nonlocal ticks
            for _ in range(20):  # the loop keeps running while run_db waits
                ticks += 1
                await asyncio.sleep(0.005)
            holder.execute("COMMIT")
        releaser = asyncio.ensure_future(release_later())
        result = await run_db(sqlite_engine, work)
        await releaser
        return result, ticks

    assert asyncio.run(main()) == ("written", 20)
    holder.close()
    with sqlite_engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM t")).scalar_one() == 1


def test_a_read_only_transaction_takes_no_lock(sqlite_engine, tmp_path):
    with sqlite_engine.begin() as db:
        db.execute(text("CREATE TABLE t (n INTEGER)"))
        db.execute(text("INSERT INTO t VALUES (7)"))
    holder = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (8)")
    try:
        with sqlite_engine.connect() as db:
            db.execution_options(**{READ_ONLY: True})
            # Not kept waiting by the writer, and reads the last committed state.
            assert db.execute(text("SELECT n FROM t")).scalars().all() == [7]

        async def busy():
            token_error = None
            try:
                await asyncio.wait_for(run_db(sqlite_engine, _write_one, sqlite_engine), 0.2)
            except asyncio.TimeoutError as exc:
                token_error = exc
            return token_error
        # A writer, by contrast, waits (here: longer than we let it).
        assert isinstance(asyncio.run(busy()), asyncio.TimeoutError)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _write_one(engine):
    with engine.begin() as db:
        db.execute(text("INSERT INTO t VALUES (9)"))
