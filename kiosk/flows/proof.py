"""The proof flow: the applicant chooses a proof of their property record or of owning no property; it prints.

The gateway issues the proof (POST /v1/proofs, one idempotency key per request so a retried call never issues two);
the kiosk renders it as an A4 PDF with the verification QR code (kiosk.documents.proofs) and sends it to the
document printer. Steps shown: ChooseKind, PrintingProof. FlowAnswer: choose <property_record | no_property>.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.flows.base import GatewayFlow
from kiosk.flows.steps import Printing
from kiosk.platform_client import new_idempotency_key

logger = logging.getLogger(__name__)

KINDS = ("property_record", "no_property")


@dataclass(frozen=True, kw_only=True)
class ChooseKind(ev.FlowStep):
    """Which proof: FlowAnswer choose <kind>."""

    kinds: tuple[str, ...] = KINDS


@dataclass(frozen=True, kw_only=True)
class PrintingProof(Printing):
    kind: str = ""


class ProofFlow(GatewayFlow):
    name = "proof"

    def _run(self, ctx) -> None:
        printer = self.services.document_printer
        if not self._ready(ctx, printer):
            return
        ctx.post(ev.FlowUpdate(ChooseKind(kinds=KINDS)))
        kind = self._wait_choice(ctx, "choose", KINDS)
        if kind is None:
            return
        ctx.post(ev.FlowUpdate(PrintingProof(kind=kind)))
        proof = self.platform.request_proof(ctx.token, kind, new_idempotency_key())
        if ctx.is_over():
            return
        from kiosk.documents.proofs import build_proof_pdf

        pdf = build_proof_pdf(kind, proof, id_number=getattr(ctx, "applicant_id_number", None))
        job = f"proof-{proof['proof_id']}"
        del proof  # the PDF carries the holder's name: neither is kept beyond the print job
        self._print_document(ctx, printer, pdf, job, "proof_printed")
