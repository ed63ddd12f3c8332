"""Cluster leases and jobs (gateway/cluster.py) on the real database: one holder at a time, fencing tokens, and a job
whose holder is killed mid-job completing once in another process."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway import cluster
from gateway.cluster import ClusterJob, JobRunner
from tests.gateway.cluster_holder import journal_job
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0


@pytest.fixture
def engine_m(app):
    """The migrated engine of the test's database (SQLite file or a PostgreSQL schema)."""
    return app.state.engine


def _url_and_schema(engine) -> tuple[str, str]:
    if engine.dialect.name == "sqlite":
        return str(engine.url), "-"
    with engine.connect() as db:
        schema = db.execute(text("SELECT current_schema()")).scalar_one()
    return engine.url.render_as_string(hide_password=False), schema



def test_a_lease_has_one_holder_until_released_or_expired(engine_m):
    first = cluster.acquire(engine_m, "job-a", "host-1", ttl_s=60)
    assert first is not None and first.token == 1
    assert cluster.acquire(engine_m, "job-a", "host-2", ttl_s=60) is None  # held
    assert cluster.renew(engine_m, first, 60)
    assert cluster.release(engine_m, first)
    second = cluster.acquire(engine_m, "job-a", "host-2", ttl_s=60)
    assert second is not None and second.token == 2 and second.holder == "host-2"


def test_an_expired_lease_is_taken_over_and_the_old_holder_is_fenced_off(engine_m):
    stale = cluster.acquire(engine_m, "job-b", "host-1", ttl_s=60)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=61)  # host-1 went silent past its lease
    taken = cluster.acquire(engine_m, "job-b", "host-2", ttl_s=60, now=later)
    assert taken is not None and taken.token == stale.token + 1
    assert not cluster.renew(engine_m, stale, 60)  # the old holder cannot extend ...
    assert not cluster.release(engine_m, stale, done=True)  # ... nor finish what is now another's
    assert cluster.lease_row(engine_m, "job-b").holder == "host-2"


def test_a_job_runs_once_per_interval_whichever_process_polls(engine_m):
    runs: list[str] = []

    def job_for(name):
        async def work():
            runs.append(name)
        return work

    runners = [JobRunner(engine_m, holder=f"host-{i}") for i in range(3)]
    for runner in runners:
        runner.register(ClusterJob("hourly", 3600, job_for(runner.holder)))

    async def poll_all():
        for _ in range(3):
            for runner in runners:
                await runner.run_due()

    asyncio.run(poll_all())
    assert runs == ["host-0"]  # the first poll ran it; the rest found it not due for an hour
    row = cluster.lease_row(engine_m, "hourly")
    assert row.holder is None and row.last_done_by == "host-0" and row.next_due_at > row.last_done_at


def test_a_failing_job_is_not_marked_done(engine_m):
    async def broken():
        raise RuntimeError("disk full")

    runner = JobRunner(engine_m, holder="host-1")
    runner.register(ClusterJob("purge", 60, broken))
    assert asyncio.run(runner.run_due()) == []
    row = cluster.lease_row(engine_m, "purge")
    assert row.holder is None and row.last_done_at is None and row.next_due_at is None  # due again at once


def test_registering_a_job_name_twice_is_refused(engine_m):
    runner = JobRunner(engine_m)
    runner.register(ClusterJob("x", 1, journal_job(os.devnull, "h", 0)))
    with pytest.raises(ValueError, match="already registered"):
        runner.register(ClusterJob("x", 1, journal_job(os.devnull, "h", 0)))


def test_a_job_whose_holder_is_killed_mid_job_completes_once_elsewhere(engine_m, tmp_path):
    url, schema = _url_and_schema(engine_m)
    journal = tmp_path / "journal.txt"
    journal.touch()
    lease_s = 1.5
    holder = subprocess.Popen([sys.executable, "-m", "tests.gateway.cluster_holder", url, schema, str(journal),
                               "3600", str(lease_s)], cwd=ROOT)
    try:
        started = wait_for(lambda: [line for line in journal.read_text().splitlines() if line.startswith("start")],
                           WAIT_S, what="the first process to start the job")
        holder.send_signal(signal.SIGKILL)  # mid-job: it never writes 'done' nor releases the lease
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
    dead_holder = started[0].split()[1]
    assert cluster.lease_row(engine_m, "test-slow-job").holder == dead_holder  # still held by the dead process

    survivor = JobRunner(engine_m, holder="survivor", poll_s=0.05)
    survivor.register(ClusterJob("test-slow-job", 3600, journal_job(str(journal), "survivor", 0.0), lease_s=lease_s))

    async def poll_until_it_ran():
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if await survivor.run_due():
                return True
            await asyncio.sleep(0.05)
        return False

    assert asyncio.run(poll_until_it_ran())
    assert journal.read_text().splitlines() == [f"start {dead_holder}", "start survivor", "done survivor"]
    row = cluster.lease_row(engine_m, "test-slow-job")
    assert row.holder is None and row.last_done_by == "survivor"
    # Done once: polling again runs nothing (next due in an hour).
    assert asyncio.run(survivor.run_due()) == []


def test_the_retention_purge_keeps_a_live_sign_in_lockout_and_drops_finished_windows(app, engine_m):
    from sqlalchemy import insert, select

    from gateway.background import cluster_jobs
    from gateway.dashboard import login_guard
    from gateway.models import RateWindow
    from gateway.retention import purge_expired

    assert "retention-purge" in cluster_jobs(app).jobs  # runs once across the cluster, through its lease
    now = dt.datetime.now(dt.timezone.utc)
    sign_in_window = int(now.timestamp() // login_guard.WINDOW_S) * login_guard.WINDOW_S
    minute = int(now.timestamp() // 60) * 60
    with engine_m.begin() as db:
        db.execute(insert(RateWindow), [
            {"kiosk_id": "login-user:abc", "window_start": sign_in_window, "count": login_guard.MAX_FAILURES_PER_USER},
            {"kiosk_id": "demo-hall-01", "window_start": minute, "count": 3},
            {"kiosk_id": "demo-bank-01", "window_start": minute - 3600, "count": 9}])
    # Up to 14 minutes into the sign-in window: its lockout must survive every purge that runs meanwhile.
    counts = purge_expired(engine_m, now=now.replace(microsecond=0))
    with engine_m.connect() as db:
        kept = set(db.execute(select(RateWindow.kiosk_id)).scalars())
    assert kept == {"login-user:abc", "demo-hall-01"} and counts["rate_windows"] == 1
