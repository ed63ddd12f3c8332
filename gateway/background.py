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
    if state.engine.dialect.name == "sqlite":
        tasks.append(loop.create_task(_checkpoints(state.engine), name="wal-checkpoints"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
