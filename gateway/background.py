"""Background tasks of each gateway process, for as long as the app serves: the fleet alert check and, on SQLite,
WAL checkpoints done off the event loop."""
from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio

from gateway.db import checkpoint_wal

logger = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0


async def _checkpoints(engine) -> None:
    """SQLite copies the write-ahead log back into the database (a checkpoint, with an fsync or two) in whichever
    connection commits past its threshold; with heartbeats written in the event loop (gateway.db.run_db) that would
    stall every request of the process for the length of an fsync. Here it is done every second in a worker thread,
    so the WAL never reaches the threshold (raised for that in gateway.db)."""
    while True:
        await asyncio.sleep(CHECKPOINT_EVERY_S)
        try:
            await anyio.to_thread.run_sync(checkpoint_wal, engine)
        except Exception:  # a busy or failing disk: log it, the next pass tries again
            logger.exception("WAL checkpoint failed")


async def _payment_watch(state) -> None:
    """The order watcher (a lost notification: ask the provider before and after expiry; failed refunds again) and
    the daily reconciliation against the providers' statements, each pass in a worker thread."""
    from gateway.payments import reconcile_due, sweep

    settings = state.settings
    providers = {c: p for c, p in state.adapters.channels().items() if not getattr(p, "simulated", False)}
    while True:
        await asyncio.sleep(settings.payment_watch_interval_s)
        try:
            await anyio.to_thread.run_sync(lambda: sweep(state.sessionmaker, providers,
                                                         before_expiry_s=settings.payment_query_before_expiry_s,
                                                         requery_s=settings.payment_requery_s))
            await anyio.to_thread.run_sync(reconcile_due, state.sessionmaker, providers)
        except Exception:  # a provider or the database down: log it, the next pass tries again
            logger.exception("payment watch pass failed")


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
    from gateway.dashboard.alerts import AlertChecker

    state = app.state
    tasks = []
    loop = asyncio.get_running_loop()
    if state.settings.alert_check_interval_s > 0:  # fleet alerts raised with no page open
        state.alert_checker = AlertChecker(state.engine, state.settings.alert_check_interval_s)
        tasks.append(loop.create_task(state.alert_checker.run(), name="alert-checker"))
    if state.settings.payment_watch_interval_s > 0 and any(
            not getattr(p, "simulated", False) for p in state.adapters.channels().values()):
        tasks.append(loop.create_task(_payment_watch(state), name="payment-watch"))
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
            with contextlib.suppress(asyncio.CancelledError):
                await task
