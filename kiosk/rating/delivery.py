"""Runs the rating part's commands: the rating into the outbox (delivered to the gateway exactly once), the call-back
request straight to the gateway (it keeps the phone number encrypted; the kiosk keeps no copy)."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable

from kiosk.rating import events as rev
from kiosk.rating.session_part import RequestCallback, SubmitRating

logger = logging.getLogger(__name__)


class RatingDelivery:
    def __init__(self, outbox, platform, site_id: str):
        self.outbox = outbox
        self.platform = platform
        self.site_id = site_id

    def submit(self, command: SubmitRating, post: Callable, cancelled: threading.Event) -> None:
        if self.outbox is None:
            logger.warning("no outbox: rating not kept")
            return
        self.outbox.enqueue("service_rating", {
            "rating_id": command.rating_id, "service": command.service, "site": self.site_id,
            "level": command.level, "reasons": list(command.reasons), "outcome": command.outcome,
            "callback": command.callback}, occurred_at=dt.datetime.now(dt.timezone.utc),
            idempotency_key=f"rating:{command.rating_id}")
        logger.info("rating %d for %s queued", command.level, command.service)

    def callback(self, command: RequestCallback, post: Callable, cancelled: threading.Event) -> None:
        ok = False
        if self.platform is not None:
            try:
                self.platform.request_rating_callback(command.rating_id, command.phone)
                ok = True
            except Exception as exc:
                logger.warning("call-back request failed: %s", getattr(exc, "message_key", type(exc).__name__))
        post(rev.RatingCallbackTaken(ok))
