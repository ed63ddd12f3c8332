"""Background work of each gateway process, for as long as the app serves: the cluster jobs (fleet alert check,
retention purges, and whatever else registers: each runs once per interval across every gateway process sharing the
database, gateway/cluster.py) and, on SQLite, WAL checkpoints done off the event loop."""
from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio

from gateway.cluster import ClusterJob, JobRunner
from gateway.db import checkpoint_wal

logger = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0
RETENTION_EVERY_S = 300.0
MAX_POLL_S = 1.0  # how often a process looks for due cluster jobs, at most


async def _checkpoints(engine) -> None:
    """SQLite copies the write-ahead log back into the database (a checkpoint, with an fsync or two) in whichever
    connection commits past its threshold; with heartbeats written in the event loop (gateway.db.run_db) that would
    stall every request of the process for the length of an fsync. Here it is done every second in a worker thread,
    so the WAL never reaches the threshold (raised for that in gateway.db). Per process, not a cluster job: SQLite
    serves one host, and a checkpoint is cheap when there is nothing to copy."""
    while True:
        await asyncio.sleep(CHECKPOINT_EVERY_S)
        try:
            await anyio.to_thread.run_sync(checkpoint_wal, engine)
        except Exception:  # a busy or failing disk: log it, the next pass tries again
            logger.exception("WAL checkpoint failed")


def cluster_jobs(app) -> JobRunner:
    """The app's job runner with the gateway's own jobs registered (app.state.job_runner; other parts register
    theirs with `app.state.job_runner.register(ClusterJob(...))` before the app starts serving)."""
    state = app.state
    runner = getattr(state, "job_runner", None)
    if runner is None:
        runner = state.job_runner = JobRunner(state.engine)
        _register_own_jobs(state, runner)
    return runner


def _register_own_jobs(state, runner: JobRunner) -> None:
    from gateway.dashboard.alerts import AlertChecker
    from gateway.retention import purge_expired

    engine = state.engine
    if state.settings.alert_check_interval_s > 0:  # fleet alerts raised with no page open
        checker = state.alert_checker = AlertChecker(engine, state.settings.alert_check_interval_s)

        async def check_alerts():
            changed = await (checker.check_in_loop() if engine.dialect.name == "sqlite"
                             else anyio.to_thread.run_sync(checker.check))
            if changed:
                logger.info("alert check: %d alert(s) raised or cleared", changed)

        runner.register(ClusterJob("fleet-alerts", state.settings.alert_check_interval_s, check_alerts))

    async def purge():
        await anyio.to_thread.run_sync(purge_expired, engine)

    runner.register(ClusterJob("retention-purge", RETENTION_EVERY_S, purge))
    _register_payment_jobs(state, runner)


def _register_payment_jobs(state, runner: JobRunner) -> None:
    """The order watcher (a lost notification: ask the provider before and after expiry; failed refunds again) and
    the daily reconciliation against the providers' statements, each a cluster job run in a worker thread: one
    gateway host asks the provider, not every host at once."""
    from gateway.payments import reconcile_due, sweep

    settings = state.settings
    providers = {c: p for c, p in state.adapters.channels().items() if not getattr(p, "simulated", False)}
    if settings.payment_watch_interval_s <= 0 or not providers:
        return

    async def watch_orders():
        await anyio.to_thread.run_sync(lambda: sweep(state.sessionmaker, providers,
                                                     before_expiry_s=settings.payment_query_before_expiry_s,
                                                     requery_s=settings.payment_requery_s))

    async def reconcile():
        await anyio.to_thread.run_sync(reconcile_due, state.sessionmaker, providers)

    runner.register(ClusterJob("payment-order-watch", settings.payment_watch_interval_s, watch_orders))
    runner.register(ClusterJob("payment-reconciliation", settings.payment_watch_interval_s, reconcile))


async def _rollouts(state) -> None:
    from gateway.releases import advance

    def one_pass() -> None:
        with state.sessionmaker() as db:
            advance(db)
    while True:
        await asyncio.sleep(state.settings.rollout_check_interval_s)
        try:
            await anyio.to_thread.run_sync(one_pass)
        except Exception:  # the database busy or down: the next pass tries again
            logger.exception("rollout pass failed")


@contextlib.asynccontextmanager
async def background_tasks(app):
    """The app's lifespan (FastAPI(lifespan=...)): starts the tasks, and stops them when the server shuts down."""
    state = app.state
    tasks = []
    loop = asyncio.get_running_loop()
    runner = cluster_jobs(app)
    if runner.jobs:
        runner.poll_s = min([MAX_POLL_S] + [job.interval_s for job in runner.jobs.values()])
        tasks.append(loop.create_task(runner.run(), name="cluster-jobs"))
    if state.engine.dialect.name == "sqlite":
        tasks.append(loop.create_task(_checkpoints(state.engine), name="wal-checkpoints"))
    if getattr(state.settings, "rollout_check_interval_s", 0) > 0:  # software rollouts move on with no page open
        tasks.append(loop.create_task(_rollouts(state), name="rollouts"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            # A cancel that arrives while the task waits on a worker thread (anyio.to_thread, shielded) can be
            # swallowed: cancel again until it has ended.
            while not task.done():
                await asyncio.wait({task}, timeout=0.05)
                if not task.done():
                    task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pool = getattr(state, "hot_path_pool", None)
        if pool is not None:  # the PostgreSQL hot paths' connections (gateway/pg_hot_paths.py)
            await pool.close()
