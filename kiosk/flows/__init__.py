"""Service flows: one module per service; each is a callable the runtime runs off the UI thread with a FlowContext."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.flows.case_status import CaseStatusFlow

logger = logging.getLogger(__name__)


@dataclass
class FlowServices:
    """What flows need besides the platform (kiosk.app builds it once the devices and the store exist)."""

    receipt_printer: object | None = None
    document_printer: object | None = None
    payment_journal: object | None = None  # kiosk.payment_journal.PaymentJournal
    outbox: object | None = None  # offline_cache.outbox.Outbox: events for the gateway, delivered exactly once
    office: str = ""
    kiosk_id: str = ""
    poll_interval_s: float = 2.0
    certificate_printer: object | None = None  # peripherals.printer CertificatePrinter (or its simulator)
    certificate_ledger: object | None = None  # kiosk.documents.ledger.BlankLedger


def default_flows(platform, services: FlowServices | None = None, *, verifier=None,
                  identity_method: str = "face") -> dict:
    """The flows this build can run, by service name; the menu offers only these. verifier: the runtime's verifier
    for the site's identity method (each party's face check in a mortgage signing)."""
    flows = {"case_status": CaseStatusFlow(platform)}
    if services is not None:
        from kiosk.flows.e_certificate import ECertificateFlow
        from kiosk.flows.payment import PaymentFlow
        from kiosk.flows.proof import ProofFlow
        from kiosk.flows.transfers import TransfersFlow

        flows["payment"] = PaymentFlow(platform, services)
        flows["proof"] = ProofFlow(platform, services)
        flows["transfers"] = TransfersFlow(platform, services)
        flows["e_certificate"] = ECertificateFlow(platform, services)
    if services is not None:  # the kiosk build
        from kiosk.flows.mortgage_signing import MortgageSigningFlow

        flows["mortgage_signing"] = MortgageSigningFlow(platform, verifier=verifier, method=identity_method)
        from kiosk.flows.mortgage_certificate import MortgageCertificateFlow

        flows["mortgage_certificate"] = MortgageCertificateFlow(platform, services)
    if services is not None:  # a pickup starts from a scanned code (kiosk.pickup.handover); from a menu, it asks for one
        from kiosk.pickup.handover import pickup_from_menu

        flows["pickup"] = pickup_from_menu
    if services is not None and services.certificate_printer is not None and services.certificate_ledger is not None:
        from kiosk.flows.certificate_print import CertificatePrintFlow

        flows["certificate_print"] = CertificatePrintFlow(platform, services, ledger=services.certificate_ledger)
    return flows
