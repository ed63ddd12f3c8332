"""What every flow that works through the gateway shares: its platform error ending, the wait for the token, the
wait for the applicant's choice, and printing a personal document."""
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

    def _wait_choice(self, ctx, action: str, allowed) -> str | None:
        """The value of the applicant's next `action` answer that is in `allowed` (others are ignored); None once
        the flow is over."""
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return None
            if answer.action == action and answer.value in allowed:
                return answer.value

    def _print_document(self, ctx, printer, pdf: bytes, job_name: str, printed_key: str) -> None:
        """Prints a personal document on the document printer and ends the flow: `printed_key` (and a reminder to
        take the paper) when it printed, proof_not_printed otherwise."""
        from peripherals.status import CompletionCode

        code = printer.print_pdf(pdf, job_name)
        if code != CompletionCode.SUCCESS:
            logger.warning("%s: not printed (%s)", self.name, code.value)
            ctx.post(ev.FlowFinished("proof_not_printed"))
            return
        logger.info("%s: printed", self.name)
        ctx.post(ev.FlowFinished(printed_key, receipt_pending=True))
