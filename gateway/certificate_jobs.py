"""The certificates' periodic cluster jobs: open courier shipments brought up to date (a returned parcel is ready
again without anyone asking for its tracking) and collection evidence deleted once past its retention period."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

TRACKING_EVERY_S = 600.0  # the courier's scans come a few times a day; ten minutes is soon enough
EVIDENCE_PURGE_EVERY_S = 3600.0


def track_open_shipments(sessionmaker, sms=None) -> int:
    """One pass of gateway.courier.track_open in its own transaction; returns how many shipments were looked at."""
    from gateway import courier
    from gateway.adapters.courier import courier_from_environment

    client = courier_from_environment()
    if client is None:  # no courier configured: nothing can be open
        return 0
    with sessionmaker() as db:
        count = courier.track_open(db, client, sms)
        db.commit()
    return count


def purge_evidence(sessionmaker) -> int:
    """One pass of gateway.certificates.purge_expired_evidence in its own transaction; returns how many went."""
    from gateway.certificates import purge_expired_evidence

    with sessionmaker() as db:
        count = purge_expired_evidence(db)
        db.commit()
    if count:
        logger.info("certificates: %d collection evidence record(s) past retention deleted", count)
    return count


def install_jobs(app) -> None:
    """Registers both as cluster jobs (each once per interval across all gateway processes); the intervals come
    from settings.extra `certificate_tracking_s` and `certificate_evidence_purge_s` (0 turns a job off)."""
    import anyio

    from gateway.background import cluster_jobs
    from gateway.cluster import ClusterJob

    state = app.state
    tracking_s = float(state.settings.extra.get("certificate_tracking_s", TRACKING_EVERY_S))
    purge_s = float(state.settings.extra.get("certificate_evidence_purge_s", EVIDENCE_PURGE_EVERY_S))

    async def track():
        return await anyio.to_thread.run_sync(track_open_shipments, state.sessionmaker, state.adapters.sms)

    async def purge():
        return await anyio.to_thread.run_sync(purge_evidence, state.sessionmaker)

    runner = cluster_jobs(app)
    if tracking_s > 0:
        runner.register(ClusterJob("certificate-courier-tracking", tracking_s, track))
    if purge_s > 0:
        runner.register(ClusterJob("certificate-evidence-purge", purge_s, purge))
