"""What every flow that works through the gateway shares: its platform error ending, and the wait for the token."""
from __future__ import annotations

import logging

from kiosk import events as ev
from kiosk.platform_client import PlatformError

logger = logging.getLogger(__name__)

TOKEN_WAIT_S = 20.0
WAIT_FOREVER_S = 24 * 3600.0  # the session's own idle timeout ends an abandoned flow


class GatewayFlow:
    """Subclasses implement _run(ctx); a gateway failure anywhere ends the flow with its plain-language key."""

    name = "flow"

    def __init__(self, platform, services):
        """services: kiosk.flows.FlowServices (printers, payment journal, outbox, office name, kiosk id)."""
        self.platform = platform
        self.services = services

    def __call__(self, ctx) -> None:
        try:
            self._run(ctx)
        except PlatformError as exc:
            # Said on the done screen in plain words; whatever must survive (a payment) is already journaled.
            logger.warning("%s: the gateway could not help (%s)", self.name, exc.message_key)
            ctx.post(ev.FlowFinished(exc.message_key))

    def _run(self, ctx) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def _ready(self, ctx, needed) -> bool:
        """The gateway and the local service this flow needs are there, and the applicant token has arrived."""
        if self.platform is None or needed is None:
            ctx.post(ev.FlowFinished("service_unavailable"))
            return False
        if ctx.wait_token(TOKEN_WAIT_S) is None:  # chosen the moment the menu appeared: the token follows
            if not ctx.is_over():
                ctx.post(ev.FlowFinished("platform_unavailable"))
            return False
        return True
