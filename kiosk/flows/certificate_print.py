"""The certificate_print flow (自助打证): the verified person's certificates ready to print (several per case: one per
co-owner or unit), a preview, printing on the next blank of the certificate printer, the blank's serial (印制号) read
and written back to the gateway, a spoilt blank (jam, misprint) voided with its reason and the next one used, the
collector's signature for receipt, and the case closing on the gateway once its last certificate is collected.

The preview also offers the other ways to receive it (领证方式): at the window, the pickup locker, courier (EMS) to an
address typed on the on-screen keyboard, or the e-certificate; the choice is recorded on the gateway.
Steps shown: CertificatesReady, CertificatePreview, PrintingCertificate, SignForReceipt, CertificateCollected,
NothingToPrint, ReceiveOptions, AddressEntry, ReceiveRecorded. FlowAnswer: preview <copy_id>, print, other, back,
sign <PNG bytes>, receive <method>, address <text>, next, finish.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import certificate_client as api
from kiosk import events as ev
from kiosk.flows.base import WAIT_FOREVER_S, GatewayFlow
from kiosk.platform_client import PlatformRejected, new_idempotency_key
from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)

MAX_BLANKS_PER_CERTIFICATE = 3  # after this many spoilt blanks in a row the printer needs staff
MISPRINT = "misprint"  # a blank's void reason (gateway.certificates.VOID_REASONS), not a screen message
PREVIEW_FIELDS = ("certificate_no", "holder", "co_ownership", "location", "unit_no", "right_type", "use", "area")


@dataclass(frozen=True)
class CertificateItem:
    """One ready certificate as the list shows it: its case, number and holder (the verified person's own)."""

    copy_id: str
    case_id: str
    certificate_no: str = ""
    holder_name: str = ""
    share: str = ""

    @classmethod
    def of(cls, data: dict) -> "CertificateItem":
        return cls(data["copy_id"], data["case_id"], data.get("certificate_no", ""), data.get("holder_name", ""),
                   data.get("share", ""))


@dataclass(frozen=True, kw_only=True)
class CertificatesReady(ev.FlowStep):
    """FlowAnswer preview <copy_id>, or finish."""

    certificates: tuple[CertificateItem, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NothingToPrint(ev.FlowStep):
    """No certificate of this person is ready to print."""


@dataclass(frozen=True, kw_only=True)
class CertificatePreview(ev.FlowStep):
    """The entries that will be printed ((field, value) pairs); FlowAnswer print or back."""

    certificate: CertificateItem
    entries: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class PrintingCertificate(ev.FlowStep):
    """Printing; voided: the blanks spoilt so far for this certificate (serial, reason)."""

    certificate: CertificateItem
    voided: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class SignForReceipt(ev.FlowStep):
    """Printed on blank `serial`: the collector signs on the pad (FlowAnswer sign <PNG bytes>)."""

    certificate: CertificateItem
    serial: str = ""
    voided: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class CertificateCollected(ev.FlowStep):
    """Collected; remaining: how many certificates are still ready; FlowAnswer next or finish."""

    certificate: CertificateItem
    serial: str = ""
    case_closed: bool = False
    remaining: int = 0


RECEIVE_OTHERWISE = ("window", "locker", "courier", "e_certificate")


@dataclass(frozen=True, kw_only=True)
class ReceiveOptions(ev.FlowStep):
    """The other ways to receive this certificate; FlowAnswer receive <method> or back."""

    certificate: CertificateItem
    methods: tuple[str, ...] = RECEIVE_OTHERWISE


@dataclass(frozen=True, kw_only=True)
class AddressEntry(ev.FlowStep):
    """Courier: the delivery address, typed on the keyboard; FlowAnswer address <text> or back."""

    certificate: CertificateItem


@dataclass(frozen=True, kw_only=True)
class ReceiveRecorded(ev.FlowStep):
    """The choice is recorded (waybill: the courier's number); FlowAnswer next or finish."""

    certificate: CertificateItem
    method: str
    waybill: str = ""
    remaining: int = 0


class PrintFailed(Exception):
    def __init__(self, message_key: str):
        super().__init__(message_key)
        self.message_key = message_key


class CertificatePrintFlow(GatewayFlow):
    name = "certificate_print"

    def __init__(self, platform, services, ledger=None):
        """ledger: kiosk.documents.ledger.BlankLedger (the maintenance desk loads stacks into the same one)."""
        super().__init__(platform, services)
        self.ledger = ledger

    def _run(self, ctx) -> None:
        printer = getattr(self.services, "certificate_printer", None)
        if not self._ready(ctx, printer if self.ledger is not None else None):
            return
        while not ctx.is_over():
            ready = tuple(CertificateItem.of(c) for c in api.ready_certificates(self.platform, ctx.token))
            if not ready:
                ctx.post(ev.FlowUpdate(NothingToPrint()))
                return
            ctx.post(ev.FlowUpdate(CertificatesReady(certificates=ready)))
            chosen = self._answer(ctx, {"preview", "finish"}, {c.copy_id for c in ready})
            if chosen is None or chosen.action == "finish":
                ctx.post(ev.FlowFinished("certificate_print_finished")) if chosen is not None else None
                return
            item = next(c for c in ready if c.copy_id == chosen.value)
            if not self._one(ctx, printer, item, len(ready) - 1):
                return

    def _answer(self, ctx, actions, values=None):
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return None
            if answer.action in actions and (answer.action != "preview" or answer.value in (values or ())):
                return answer

    def _one(self, ctx, printer, item: CertificateItem, others: int) -> bool:
        """Preview, print, sign for one certificate; False when the flow ended."""
        content = api.certificate_content(self.platform, ctx.token, item.copy_id)
        entries = tuple((k, str(content.get(k) or "")) for k in PREVIEW_FIELDS if content.get(k))
        ctx.post(ev.FlowUpdate(CertificatePreview(certificate=item, entries=entries)))
        answer = self._answer(ctx, {"print", "back", "other"})
        if answer is None:
            return False
        if answer.action == "back":
            return True
        if answer.action == "other":
            del content
            return self._otherwise(ctx, item, others)
        try:
            serial, voided = self._print(ctx, printer, item, content)
        except PrintFailed as failed:
            ctx.post(ev.FlowFinished(failed.message_key))
            return False
        del content  # the holder's name and address: not kept past the print
        ctx.post(ev.FlowUpdate(SignForReceipt(certificate=item, serial=serial, voided=voided)))
        answer = self._answer(ctx, {"sign"})
        if answer is None:
            return False
        result = api.record_collected(self.platform, ctx.token, item.copy_id, answer.value, new_idempotency_key())
        logger.info("certificate_print: %s collected on blank %s (case closed: %s)", item.copy_id, serial,
                    result.get("case_closed"))
        ctx.post(ev.FlowUpdate(CertificateCollected(certificate=item, serial=serial,
                                                    case_closed=bool(result.get("case_closed")), remaining=others)))
        return self._next_or_finish(ctx)

    def _next_or_finish(self, ctx) -> bool:
        """After one certificate: True for the next one, False when the person finished or the flow ended."""
        answer = self._answer(ctx, {"next", "finish"})
        if answer is None:
            return False
        if answer.action == "finish":
            ctx.post(ev.FlowFinished("certificate_print_finished"))
            return False
        return True

    def _otherwise(self, ctx, item: CertificateItem, others: int) -> bool:
        """How to receive it if not printed here; False when the flow ended."""
        ctx.post(ev.FlowUpdate(ReceiveOptions(certificate=item)))
        answer = self._answer(ctx, {"receive", "back"})
        if answer is None:
            return False
        if answer.action == "back" or answer.value not in RECEIVE_OTHERWISE:
            return True
        waybill = ""
        if answer.value == "courier":
            waybill = self._courier(ctx, item)
            if waybill is None:
                return not ctx.is_over()
        else:
            api.choose_receive_method(self.platform, ctx.token, item.copy_id, answer.value)
        logger.info("certificate_print: %s to be received by %s", item.copy_id, answer.value)
        ctx.post(ev.FlowUpdate(ReceiveRecorded(certificate=item, method=answer.value, waybill=waybill,
                                               remaining=others)))
        return self._next_or_finish(ctx)

    def _courier(self, ctx, item: CertificateItem) -> str | None:
        """The address typed until the gateway and the courier accept it; the waybill number, or None (back)."""
        message = None
        while True:
            ctx.post(ev.FlowUpdate(AddressEntry(certificate=item, message=message)))
            answer = self._answer(ctx, {"address", "back"})
            if answer is None or answer.action == "back":
                return None
            try:
                sent = api.send_by_courier(self.platform, ctx.token, item.copy_id, answer.value, new_idempotency_key())
            except PlatformRejected as refused:
                message = "address_invalid" if refused.status == 422 else "courier_unavailable"
                continue
            return str(sent.get("waybill_no") or "")

    def _print(self, ctx, printer, item: CertificateItem, content: dict) -> tuple[str, tuple]:
        """The certificate on the next good blank: each spoilt one voided (ledger and gateway) and the next used."""
        from kiosk.documents.certificate import CertificateContent, build_certificate_pdf
        from kiosk.documents.ledger import LedgerError, NoBlankLoaded

        certificate = CertificateContent(item.case_id, {k: v for k, v in content.items() if k != "copy_id"})
        voided: list[tuple[str, str]] = []
        for _attempt in range(MAX_BLANKS_PER_CERTIFICATE):
            ctx.post(ev.FlowUpdate(PrintingCertificate(certificate=item, voided=tuple(voided))))
            try:
                serial = self.ledger.begin_print(item.copy_id)  # journaled before the printer sees anything
            except NoBlankLoaded:
                raise PrintFailed("no_blank_certificate") from None
            except LedgerError:
                logger.exception("certificate ledger refused a print")
                raise PrintFailed("certificate_ledger_error") from None
            try:
                code = printer.print_pdf(build_certificate_pdf(certificate, serial), f"certificate-{serial}")
            except Exception:
                logger.exception("certificate print failed on blank %s", serial)
                code = CompletionCode.HARDWARE_ERROR
            read = printer.read_serial() if hasattr(printer, "read_serial") else None
            if code == CompletionCode.SUCCESS and read not in (None, serial):
                # The tray holds blanks out of the ledger's order: this certificate is on a blank we did not expect
                logger.warning("certificate printed on blank %s, the ledger expected %s", read, serial)
                code, reason = CompletionCode.HARDWARE_ERROR, MISPRINT
            else:
                reason = getattr(printer, "last_fault", None) or MISPRINT
            if code == CompletionCode.SUCCESS:
                self._write_back(ctx, item, serial)
                self.ledger.finish_print(serial)
                self.ledger.mark_reported(serial)
                return serial, tuple(voided)
            self.ledger.void_print(serial, reason=reason)
            api.void_blank(self.platform, serial, reason, item.copy_id, new_idempotency_key())
            self.ledger.mark_reported(serial)
            voided.append((serial, reason))
            logger.warning("certificate_print: blank %s voided (%s), taking the next one", serial, reason)
            if code == CompletionCode.NO_MEDIA:
                break
        raise PrintFailed("certificate_print_failed")

    def _write_back(self, ctx, item: CertificateItem, serial: str) -> None:
        try:
            api.write_back_serial(self.platform, ctx.token, item.copy_id, serial, new_idempotency_key())
        except PlatformRejected as refused:
            # unknown, used or voided on the gateway: this blank must not count as this certificate
            logger.warning("gateway refused serial %s: %s", serial, refused.code)
            self.ledger.void_print(serial, reason=MISPRINT)
            raise PrintFailed("certificate_serial_refused") from None

