"""The proof flow: the applicant chooses a proof of their property record or of owning no property; it prints.

The gateway issues the proof (POST /v1/proofs, one idempotency key per request so a retried call never issues two);
the kiosk renders it as an A4 PDF with the verification QR code (kiosk.documents.proofs) and sends it to the
document printer. Steps shown: choose_kind, printing. FlowInput: choose <property_record | no_property>.
"""
from __future__ import annotations

import logging

from kiosk import events as ev
from kiosk.flows.base import WAIT_FOREVER_S, GatewayFlow
from kiosk.platform_client import new_idempotency_key

logger = logging.getLogger(__name__)

KINDS = ("property_record", "no_property")


class ProofFlow(GatewayFlow):
    name = "proof"

    def _run(self, ctx) -> None:
        printer = self.services.document_printer
        if not self._ready(ctx, printer):
            return
        ctx.post(ev.FlowUpdate({"step": "choose_kind", "kinds": list(KINDS), "message": None}))
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return
            if answer.action == "choose" and answer.value in KINDS:
                break
        kind = answer.value
        ctx.post(ev.FlowUpdate({"step": "printing", "kind": kind}))
        proof = self.platform.request_proof(ctx.token, kind, new_idempotency_key())
        if ctx.is_over():
            return
        from kiosk.documents.proofs import build_proof_pdf
        from peripherals.status import CompletionCode

        pdf = build_proof_pdf(kind, proof)
        code = printer.print_pdf(pdf, f"proof-{proof['proof_id']}")
        del pdf, proof  # the PDF carries the holder's name: not kept beyond the print job
        if code != CompletionCode.SUCCESS:
            logger.warning("proof: not printed (%s)", code.value)
            ctx.post(ev.FlowFinished("proof_not_printed"))
            return
        logger.info("proof: %s printed", kind)
        ctx.post(ev.FlowFinished("proof_printed", receipt_pending=True))
