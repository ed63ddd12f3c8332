"""Cluster-wide coordination through the shared database: named leases (one holder at a time, taken over when the
holder dies) and a runner that runs each background job once per interval across every gateway process."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import secrets
import socket
from typing import Awaitable, Callable

import anyio
from sqlalchemy import Engine, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from gateway.models import ClusterLease, utcnow

logger = logging.getLogger(__name__)

_leases = ClusterLease.__table__


def process_holder_id() -> str:
    """A name for this process unique across the cluster: host, pid and a random part (a pid can be reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclasses.dataclass(frozen=True)
class LeaseGrant:
    """A held lease: `token` grows by one at every grant (a fencing token), so a holder that lost its lease (it was
    presumed dead and another took over) can no longer renew or release it."""

    name: str
    holder: str
    token: int


_TAKE = (update(_leases)
         .where(_leases.c.name == bindparam("l_name"),
                or_(_leases.c.holder.is_(None), _leases.c.expires_at < bindparam("l_now")),
                or_(_leases.c.next_due_at.is_(None), _leases.c.next_due_at <= bindparam("l_due_by")))
         .values(holder=bindparam("l_holder"), token=_leases.c.token + 1, expires_at=bindparam("l_expires"),
                 taken_at=bindparam("l_now"))
         .returning(_leases.c.token))
_RENEW = (update(_leases).where(_leases.c.name == bindparam("l_name"), _leases.c.holder == bindparam("l_holder"),
                                _leases.c.token == bindparam("l_token"))
          .values(expires_at=bindparam("l_expires")).returning(_leases.c.token))
_RELEASE = (update(_leases).where(_leases.c.name == bindparam("l_name"), _leases.c.holder == bindparam("l_holder"),
                                  _leases.c.token == bindparam("l_token"))
            .values(holder=None, expires_at=None, next_due_at=bindparam("l_next_due"),
                    last_done_at=bindparam("l_done_at"), last_done_by=bindparam("l_done_by"))
            .returning(_leases.c.token))


def acquire(engine: Engine, name: str, holder: str, ttl_s: float, *, due_only: bool = False,
            now: dt.datetime | None = None) -> LeaseGrant | None:
    """Takes the lease `name` for `ttl_s` seconds if nobody holds it (or its holder let it expire: presumed dead);
    with due_only, only if it is also due (its next_due_at has come). None when someone else has it."""
    now = now or utcnow()
    params = {"l_name": name, "l_holder": holder, "l_now": now, "l_expires": now + dt.timedelta(seconds=ttl_s),
              "l_due_by": now if due_only else dt.datetime.max.replace(tzinfo=dt.timezone.utc)}
    with engine.connect() as db:
        token = db.execute(_TAKE, params).scalar_one_or_none()
        if token is None and db.execute(select(_leases.c.name).where(_leases.c.name == name)).first() is None:
            try:  # the first use of this name anywhere in the cluster: the row is created already taken
                db.execute(insert(_leases).values(name=name, holder=holder, token=1, expires_at=params["l_expires"],
                                                  taken_at=now))
                token = 1
            except IntegrityError:  # another process created it first: it holds it
                db.rollback()
                return None
        db.commit()
    return LeaseGrant(name, holder, token) if token is not None else None


def renew(engine: Engine, grant: LeaseGrant, ttl_s: float) -> bool:
    """Extends a held lease; False if it was lost (expired and taken by another process)."""
    with engine.connect() as db:
        ok = db.execute(_RENEW, {"l_name": grant.name, "l_holder": grant.holder, "l_token": grant.token,
                                 "l_expires": utcnow() + dt.timedelta(seconds=ttl_s)}).first() is not None
        db.commit()
    return ok


def release(engine: Engine, grant: LeaseGrant, *, next_due_at: dt.datetime | None = None,
            done: bool = False) -> bool:
    """Gives the lease up; with done, records that its work completed (when, by whom) and when it is next due.
    False if the lease had been lost meanwhile."""
    now = utcnow()
    with engine.connect() as db:
        ok = db.execute(_RELEASE, {"l_name": grant.name, "l_holder": grant.holder, "l_token": grant.token,
                                   "l_next_due": next_due_at, "l_done_at": now if done else None,
                                   "l_done_by": grant.holder if done else None}).first() is not None
        db.commit()
    return ok


def lease_row(engine: Engine, name: str):
    """The lease's row (holder, token, expires_at, next_due_at, last_done_at, last_done_by), or None."""
    with engine.connect() as db:
        return db.execute(select(_leases).where(_leases.c.name == name)).first()


@dataclasses.dataclass(frozen=True)
class ClusterJob:
    """A background job that must run once per `interval_s` across the whole cluster. `work` is a coroutine
    function (do blocking work through anyio.to_thread). `lease_s` bounds how long a dead holder delays the job:
    while the job runs its holder renews the lease every lease_s / 3."""

    name: str
    interval_s: float
    work: Callable[[], Awaitable[object]]
    lease_s: float = 30.0


class JobRunner:
    """Runs the registered jobs of one gateway process: each poll it tries to take each due job's lease, runs the
    job if it got it, and on completion sets when the job is next due, for whichever process comes first. A holder
    killed mid-job leaves its lease to expire; another process then takes it and runs the job to completion."""

    def __init__(self, engine: Engine, *, holder: str | None = None, poll_s: float = 1.0):
        self.engine = engine
        self.holder = holder or process_holder_id()
        self.poll_s = poll_s
        self.jobs: dict[str, ClusterJob] = {}

    def register(self, job: ClusterJob) -> None:
        if job.name in self.jobs:
            raise ValueError(f"a cluster job named {job.name!r} is already registered")
        self.jobs[job.name] = job

    async def run_due(self) -> list[str]:
        """One poll: the names of the jobs this process ran to completion."""
        ran = []
        for job in list(self.jobs.values()):
            grant = await anyio.to_thread.run_sync(
                lambda: acquire(self.engine, job.name, self.holder, job.lease_s, due_only=True))
            if grant is None:
                continue
            if await self._run_holding(job, grant):
                ran.append(job.name)
        return ran

    async def _run_holding(self, job: ClusterJob, grant: LeaseGrant) -> bool:
        renewer = asyncio.get_running_loop().create_task(self._keep(job, grant), name=f"lease-{job.name}")
        try:
            await job.work()
        except Exception:  # logged; the lease is let go without moving next_due_at, so the job is tried again soon
            logger.exception("cluster job %s failed", job.name)
            await anyio.to_thread.run_sync(lambda: release(self.engine, grant))
            return False
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        next_due = utcnow() + dt.timedelta(seconds=job.interval_s)
        if not await anyio.to_thread.run_sync(lambda: release(self.engine, grant, next_due_at=next_due, done=True)):
            logger.warning("cluster job %s finished after its lease was taken over", job.name)
            return False
        return True

    async def _keep(self, job: ClusterJob, grant: LeaseGrant) -> None:
        while True:
            await asyncio.sleep(job.lease_s / 3)
            try:
                if not await anyio.to_thread.run_sync(lambda: renew(self.engine, grant, job.lease_s)):
                    logger.warning("cluster job %s lost its lease while running", job.name)
                    return
            except Exception:
                logger.exception("renewing the lease of cluster job %s failed", job.name)

    async def run(self) -> None:
        """Polls until cancelled (the app's lifespan: gateway.background)."""
        while True:
            try:
                await self.run_due()
            except Exception:  # a database hiccup must not end the runner
                logger.exception("cluster job poll failed")
            await asyncio.sleep(self.poll_s)
