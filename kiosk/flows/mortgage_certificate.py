"""The mortgage_certificate flow (bank service point): the verified mortgagor sees their mortgage registrations with
the 5-working-day deadline, and prints the registration proof (不动产登记证明（抵押权）) of a recorded one.

The gateway lists the registrations (GET /v1/bank/my-mortgages) and gives a recorded one's proof; the kiosk renders it
as an A4 PDF with the verification QR code (kiosk.documents.mortgage_certificate) for the document printer. Steps
shown: MortgageList (mortgages, each with certificate_ready), Printing. FlowAnswer: print <case_id>.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.flows.base import GatewayFlow
from kiosk.flows.mortgage_records import Mortgage
from kiosk.flows.steps import Printing

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class MortgageList(ev.FlowStep):
    """The mortgagor's registrations as the gateway lists them (GET /v1/bank/my-mortgages); FlowAnswer print
    <case_id> for one whose certificate_ready is true."""

    mortgages: tuple[Mortgage, ...] = ()


class MortgageCertificateFlow(GatewayFlow):
    name = "mortgage_certificate"

    def __init__(self, platform, services, bank=None):
        super().__init__(platform, services)
        self.bank = bank

    def _bank(self):
        from kiosk.bank_client import bank_client_of

        self.bank = bank_client_of(self.platform, self.bank)
        return self.bank

    def _run(self, ctx) -> None:
        printer = self.services.document_printer
        if not self._ready(ctx, printer):
            return
        bank = self._bank()
        mortgages = tuple(Mortgage.of(m) for m in bank.my_mortgages(ctx.token))
        ready = {m.case_id for m in mortgages if m.certificate_ready}
        ctx.post(ev.FlowUpdate(MortgageList(mortgages=mortgages)))
        case_id = self._wait_choice(ctx, "print", ready)
        if case_id is None:
            return
        ctx.post(ev.FlowUpdate(Printing()))
        certificate = bank.mortgage_certificate(ctx.token, case_id)
        if ctx.is_over():
            return
        from kiosk.documents.mortgage_certificate import build_mortgage_certificate_pdf

        pdf = build_mortgage_certificate_pdf(certificate)
        job = f"mortgage-{certificate['proof_id']}"
        del certificate  # the PDF carries the holder's name: neither is kept beyond the print job
        self._print_document(ctx, printer, pdf, job, "mortgage_certificate_printed")
