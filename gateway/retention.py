"""Retention purges run as a cluster job (gateway.background): rows that have served their purpose are deleted."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine, delete

from gateway.dashboard.login_guard import WINDOW_S as SIGN_IN_WINDOW_S
from gateway.identity_caps import KEEP as IDENTITY_ATTEMPT_KEEP
from gateway.identity_models import IdentityAttempt
from gateway.models import ApplicantToken, ECertificateLink, RateWindow, utcnow

logger = logging.getLogger(__name__)

# Rate windows are one minute (kiosk calls, verification look-ups) or 15 (staff sign-in failures, whose lockout
# must survive the purge): a window goes once the longest of them has ended.
RATE_WINDOW_KEEP_S = SIGN_IN_WINDOW_S + 60
TOKEN_KEEP = dt.timedelta(hours=1)  # as the token endpoint's own purge
LINK_KEEP = dt.timedelta(days=1)  # as the e-certificate endpoint's own purge


def purge_expired(engine: Engine, now: dt.datetime | None = None) -> dict[str, int]:
    """Deletes finished rate-limit windows, long-expired applicant tokens and e-certificate links, and identity
    attempts the caps no longer count, in one transaction; returns how many rows of each went."""
    now = now or utcnow()
    window_floor = int(now.timestamp() // 60) * 60 - RATE_WINDOW_KEEP_S
    with engine.connect() as db:
        counts = {
            "rate_windows": db.execute(delete(RateWindow).where(RateWindow.window_start < window_floor)).rowcount,
            "applicant_tokens": db.execute(delete(ApplicantToken)
                                           .where(ApplicantToken.expires_at < now - TOKEN_KEEP)).rowcount,
            "e_certificate_links": db.execute(delete(ECertificateLink)
                                              .where(ECertificateLink.expires_at < now - LINK_KEEP)).rowcount,
            "identity_attempts": db.execute(delete(IdentityAttempt)
                                            .where(IdentityAttempt.at < now - IDENTITY_ATTEMPT_KEEP)).rowcount,
        }
        db.commit()
    if any(counts.values()):
        logger.info("retention purge: %s", ", ".join(f"{n} {table}" for table, n in counts.items()))
    return counts
