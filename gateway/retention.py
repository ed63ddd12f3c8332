"""Retention purges run as a cluster job (gateway.background): rows that have served their purpose are deleted."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine, delete

from gateway.models import ApplicantToken, ECertificateLink, RateWindow, utcnow

logger = logging.getLogger(__name__)

RATE_WINDOW_KEEP_S = 120  # the current one-minute window and the one before it
TOKEN_KEEP = dt.timedelta(hours=1)  # as the token endpoint's own purge
LINK_KEEP = dt.timedelta(days=1)  # as the e-certificate endpoint's own purge


def purge_expired(engine: Engine, now: dt.datetime | None = None) -> dict[str, int]:
    """Deletes finished rate-limit windows, long-expired applicant tokens and e-certificate links, in one
    transaction; returns how many rows of each went."""
    now = now or utcnow()
    window_floor = int(now.timestamp() // 60) * 60 - RATE_WINDOW_KEEP_S + 60
    with engine.connect() as db:
        counts = {
            "rate_windows": db.execute(delete(RateWindow).where(RateWindow.window_start < window_floor)).rowcount,
            "applicant_tokens": db.execute(delete(ApplicantToken)
                                           .where(ApplicantToken.expires_at < now - TOKEN_KEEP)).rowcount,
            "e_certificate_links": db.execute(delete(ECertificateLink)
                                              .where(ECertificateLink.expires_at < now - LINK_KEEP)).rowcount,
        }
        db.commit()
    if any(counts.values()):
        logger.info("retention purge: %s", ", ".join(f"{n} {table}" for table, n in counts.items()))
    return counts
