"""Parallel review (并联审核): an application pushed to registration, housing and tax at once, each push recorded,
retried safely and never doubled."""
from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import or_, select, update

from gateway.adapters.departments import DEPARTMENTS
from gateway.application_models import Application, DepartmentPush
from gateway.models import Case, utcnow

logger = logging.getLogger(__name__)

# A claim older than this belongs to a process that died mid-push: another may take the push over. The department's
# intake is idempotent on the application number, so a push taken over is at worst sent twice and taken in once.
CLAIM_STALE_S = 120.0
RETRY_BATCH = 50


def new_pushes(application_no: str) -> list[DepartmentPush]:
    """The rows for a new application, one per department, added in the application's own transaction."""
    return [DepartmentPush(application_no=application_no, department=d, status="pending", attempts=0)
            for d in DEPARTMENTS]


def _claim(sessionmaker, application_no: str, department: str) -> bool:
    """Takes the push for this process (pending, failed, or a stale claim): one conditional UPDATE, so two processes
    never both hold it."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=CLAIM_STALE_S)
    with sessionmaker() as db:
        claimed = db.execute(
            update(DepartmentPush)
            .where(DepartmentPush.application_no == application_no, DepartmentPush.department == department,
                   or_(DepartmentPush.status.in_(("pending", "failed")),
                       (DepartmentPush.status == "sending") & (DepartmentPush.claimed_at < stale)))
            .values(status="sending", claimed_at=now, attempts=DepartmentPush.attempts + 1)).rowcount
        db.commit()
    return claimed == 1


def _record(sessionmaker, application_no: str, department: str, reference: str | None, error: str | None) -> None:
    with sessionmaker() as db:
        db.execute(update(DepartmentPush)
                   .where(DepartmentPush.application_no == application_no, DepartmentPush.department == department,
                          DepartmentPush.status == "sending")
                   .values(status="accepted" if reference else "failed", reference=reference,
                           last_error=None if reference else (error or "failed")[:160],
                           done_at=utcnow() if reference else None))
        db.commit()


def _push_one(sessionmaker, intake, application_no: str, business_code: str, case_kind: str,
              department: str) -> str:
    if not _claim(sessionmaker, application_no, department):
        return "skipped"  # accepted already, or another process is sending it now
    try:
        reference = intake.receive(application_no, business_code, case_kind)
    except Exception as exc:  # any failure of the outside system is recorded and retried, never raised to the kiosk
        logger.warning("push of an application to %s failed: %s", department, type(exc).__name__)
        _record(sessionmaker, application_no, department, None, f"{type(exc).__name__}: {exc}")
        return "failed"
    _record(sessionmaker, application_no, department, str(reference)[:64], None)
    return "accepted"


def push_application(sessionmaker, departments: dict, application_no: str) -> dict[str, str]:
    """Sends the application to every department not yet done, all at once; {department: outcome of this try}."""
    with sessionmaker() as db:
        application = db.get(Application, application_no)
        if application is None:
            return {}
        case_kind = db.get(Case, application.case_id).kind
        business_code = application.business_code
        waiting = db.scalars(select(DepartmentPush.department).where(
            DepartmentPush.application_no == application_no, DepartmentPush.status != "accepted")).all()
    todo = [d for d in waiting if d in departments]
    if not todo:
        return {}
    with ThreadPoolExecutor(max_workers=len(todo), thread_name_prefix="push") as pool:
        futures = {d: pool.submit(_push_one, sessionmaker, departments[d], application_no, business_code, case_kind,
                                  d) for d in todo}
        return {d: f.result() for d, f in futures.items()}


def retry_pending(sessionmaker, departments: dict, limit: int = RETRY_BATCH) -> int:
    """Pushes again what failed or was left pending (a crash after the application's commit); the number of
    applications tried."""
    stale = utcnow() - dt.timedelta(seconds=CLAIM_STALE_S)
    with sessionmaker() as db:
        numbers = db.scalars(
            select(DepartmentPush.application_no)
            .where(or_(DepartmentPush.status.in_(("pending", "failed")),
                       (DepartmentPush.status == "sending") & (DepartmentPush.claimed_at < stale)))
            .group_by(DepartmentPush.application_no).order_by(DepartmentPush.application_no).limit(limit)).all()
    for number in numbers:
        push_application(sessionmaker, departments, number)
    return len(numbers)


def pushes_of(db, application_no: str) -> list[dict]:
    rows = db.scalars(select(DepartmentPush).where(DepartmentPush.application_no == application_no)).all()
    order = {d: i for i, d in enumerate(DEPARTMENTS)}
    return [{"department": p.department, "status": p.status, "attempts": p.attempts, "reference": p.reference,
             "last_error": p.last_error, "done_at": p.done_at.isoformat(timespec="seconds") if p.done_at else None}
            for p in sorted(rows, key=lambda p: order.get(p.department, 99))]


def install_retry_job(app) -> None:
    """Registers the retry as a cluster job (once per interval across all gateway processes)."""
    import anyio

    from gateway.background import cluster_jobs
    from gateway.cluster import ClusterJob

    state = app.state
    every = float(state.settings.extra.get("application_push_retry_s", 60.0))
    if every <= 0:
        return

    async def retry():
        return await anyio.to_thread.run_sync(retry_pending, state.sessionmaker, state.adapters.departments)

    cluster_jobs(app).register(ClusterJob("application_push_retry", every, retry))
