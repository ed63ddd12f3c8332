"""The payment flow: choose a case, see its itemised taxes and fees, confirm once, pay by phone, get the receipt.

Never a double charge: before a payment order is created its idempotency key is journaled (kiosk.payment_journal);
before anything is offered for a case, an unresolved journal entry of that case is reconciled with the gateway
(the same key again, then payment_status): a pending order is resumed (same QR code), a paid one gets its receipt
printed once, a cancelled or expired one is closed and only then is a new payment offered.

Steps shown: ChooseCase, NothingToPay, Reconciling, Fees, CreatingOrder, WaitingForPayment, PrintingReceipt.
The applicant answers with FlowAnswer: choose <case_id>, confirm (confirm <channel> when the site takes several),
cancel.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, replace

from kiosk import events as ev
from kiosk.flows.base import WAIT_FOREVER_S, GatewayFlow
from kiosk.flows.steps import CaseChoice, ChooseCase, Printing
from kiosk import payment_journal as pj
from kiosk.platform_client import PlatformRejected, PlatformUnavailable

logger = logging.getLogger(__name__)

PAYABLE_STATUSES = frozenset({"tax_assessed"})


@dataclass(frozen=True)
class FeeItem:
    """One line of the itemised taxes and fees; department: the collecting department, when the gateway says."""

    name: str
    amount_fen: int
    code: str = ""
    department: str = ""

    @classmethod
    def of(cls, item: dict) -> "FeeItem":
        return cls(str(item.get("name", "")), int(item.get("amount_fen") or 0), str(item.get("code", "")),
                   str(item.get("department") or ""))


@dataclass(frozen=True)
class ChannelOption:
    """A payment channel the site takes: its code (FlowAnswer confirm <channel>) and its display name."""

    channel: str
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class NothingToPay(ev.FlowStep):
    """No case of this applicant has anything to pay."""


@dataclass(frozen=True, kw_only=True)
class Reconciling(ev.FlowStep):
    """An interrupted payment of this case is being settled with the gateway first."""

    case_id: str


@dataclass(frozen=True, kw_only=True)
class Fees(ev.FlowStep):
    """The itemised taxes and fees of the chosen case: FlowAnswer confirm or cancel. channels: the names of the
    channels the site takes; channel_options: set only when there are several, and then the applicant picks one
    (FlowAnswer confirm <channel>: each has its own QR code)."""

    case: CaseChoice
    items: tuple[FeeItem, ...] = ()
    total_fen: int = 0
    channels: tuple[str, ...] = ()
    channel_options: tuple[ChannelOption, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CreatingOrder(ev.FlowStep):
    """The payment order is being created."""


@dataclass(frozen=True, kw_only=True)
class WaitingForPayment(ev.FlowStep):
    """The QR code the phone pays with, and the seconds left until the order expires; FlowAnswer cancel."""

    case: CaseChoice
    order_id: str | None
    pay_url: str | None = None
    total_fen: int | None = None
    items: tuple[FeeItem, ...] = ()
    seconds_left: int | None = None
    channel_name: str | None = None  # the channel of this order, when the gateway names it
    channels: tuple[str, ...] = ()  # else the channels the site takes
    channel: str | None = None  # the order's channel code; "aggregated": one code, paid in WeChat or Alipay


@dataclass(frozen=True, kw_only=True)
class PrintingReceipt(Printing):
    """Paid: the receipt is printing."""


class PaymentFlow(GatewayFlow):
    name = "payment"

    def _run(self, ctx) -> None:
        journal = self.services.payment_journal
        if not self._ready(ctx, journal):
            return
        cases = {c.case_id: c for c in self.platform.list_cases(ctx.token)}
        offered = [c for c in cases.values()
                   if c.status in PAYABLE_STATUSES or journal.unresolved_for(c.case_id) is not None]
        if not offered:
            ctx.post(ev.FlowUpdate(NothingToPay()))
            return
        ctx.post(ev.FlowUpdate(ChooseCase(cases=tuple(CaseChoice(c.case_id, c.title, c.kind) for c in offered))))
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return
            if answer.action == "choose" and answer.value in {c.case_id for c in offered}:
                break
        case = cases[answer.value]
        self._pay_case(ctx, case)

    def _pay_case(self, ctx, case) -> None:
        journal = self.services.payment_journal
        entry = journal.unresolved_for(case.case_id)
        if entry is not None:
            ctx.post(ev.FlowUpdate(Reconciling(case_id=case.case_id)))
            entry = self.reconcile(ctx.token, entry)
            if entry.state == pj.PENDING:
                logger.info("payment: resuming the pending order of case %s", case.case_id)
                self._wait_for_payment(ctx, case, entry)
                return
            if entry.state == pj.PAID:
                self._finish_paid(ctx, case, entry, already=True)
                return
        fees = self.platform.fees(ctx.token, case.case_id)
        items = [{"code": f.code, "name": f.name, "amount_fen": f.amount_fen,
                  **({"department": f.department} if getattr(f, "department", "") else {})} for f in fees.items]
        options = self._channel_options()
        ctx.post(ev.FlowUpdate(Fees(case=CaseChoice(case.case_id, case.title, case.kind),
                                    items=tuple(FeeItem.of(i) for i in items), total_fen=fees.total_fen,
                                    channels=tuple(o.name for o in options),
                                    channel_options=tuple(options) if len(options) > 1 else ())))
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return
            # With more than one channel the applicant picks one (its own QR code); with one, Confirm is enough.
            if answer.action == "confirm" and (answer.value in {o.channel for o in options}
                                               or (not answer.value and len(options) <= 1)):
                channel = answer.value or None
                break
            if answer.action == "cancel":
                ctx.post(ev.FlowFinished("payment_cancelled"))
                return
        ctx.post(ev.FlowUpdate(CreatingOrder()))
        # Durable before the order exists: a crash from here on leaves an entry the next visit reconciles.
        entry = journal.begin(case.case_id, {"items": items, "total_fen": fees.total_fen, "kind": case.kind})
        try:
            order = self.platform.create_payment_order(ctx.token, case.case_id, entry.idempotency_key,
                                                       **({"channel": channel} if channel else {}))
        except PlatformRejected as exc:
            journal.set_state(entry.idempotency_key, pj.FAILED, {"error": exc.code})
            raise
        entry = journal.record_order(entry.idempotency_key, order.order_id, pj.PENDING, order.amount_fen,
                                     {"pay_url": order.pay_url, "expires_at": _iso(order.expires_at),
                                      **_order_details(order)})
        logger.info("payment: order %s created for case %s", order.order_id, case.case_id)
        if order.amount_fen is not None and order.amount_fen != fees.total_fen:
            logger.warning("payment: order amount %s differs from the fees shown (%s)", order.amount_fen,
                           fees.total_fen)
        self._wait_for_payment(ctx, case, entry)

    def _channels(self) -> tuple[str, ...]:
        """The channels the site accepts, shown beside the fees and the QR code (none if the gateway does not say)."""
        return tuple(o.name for o in self._channel_options())

    def _channel_options(self) -> list[ChannelOption]:
        """The site's channels (none if the gateway does not say)."""
        try:
            options = getattr(self.platform, "payment_channel_options", None)
            if options is not None:
                return [ChannelOption(str(o.get("channel", "")), str(o.get("name", ""))) for o in options()]
            return [ChannelOption("", n) for n in getattr(self.platform, "payment_channels", lambda: [])()]
        except (PlatformRejected, PlatformUnavailable):
            return []

    def reconcile(self, token: str, entry: pj.JournalEntry) -> pj.JournalEntry:
        """Find out from the gateway how an interrupted payment ended; returns the updated journal entry."""
        journal = self.services.payment_journal
        if entry.state == pj.CREATING:
            # The order may or may not exist: the same idempotency key returns it if it does, creates it if not.
            try:
                order = self.platform.create_payment_order(token, entry.case_id, entry.idempotency_key)
            except PlatformRejected as exc:
                logger.info("payment: interrupted order for case %s was refused on replay (%s)", entry.case_id,
                            exc.code)
                return journal.set_state(entry.idempotency_key, pj.FAILED, {"error": exc.code})
            entry = journal.record_order(entry.idempotency_key, order.order_id, pj.PENDING, order.amount_fen,
                                         {"pay_url": order.pay_url, "expires_at": _iso(order.expires_at)})
        if entry.state == pj.PENDING:
            status = self.platform.payment_status(token, entry.order_id)
            if status.status != pj.PENDING:
                entry = journal.set_state(entry.idempotency_key, status.status,
                                          {"e_invoice_url": status.e_invoice_url, **_order_details(status)})
            logger.info("payment: order %s reconciled as %s", entry.order_id, entry.state)
        journal.reconciled(entry)  # the audit trail's record of what the interrupted payment turned out to be
        return entry

    def _wait_for_payment(self, ctx, case, entry: pj.JournalEntry) -> None:
        journal = self.services.payment_journal
        interval = self.services.poll_interval_s
        expires_at = _parse(entry.details.get("expires_at"))
        step = WaitingForPayment(case=CaseChoice(case.case_id, case.title, case.kind), order_id=entry.order_id,
                                 pay_url=entry.details.get("pay_url"), total_fen=entry.amount_fen,
                                 items=tuple(FeeItem.of(i) for i in entry.details.get("items", [])),
                                 seconds_left=_seconds_left(expires_at),
                                 channel_name=entry.details.get("channel_name"), channels=self._channels(),
                                 channel=entry.details.get("channel"))
        ctx.post(ev.FlowUpdate(step))
        cancel = False
        next_poll = 0.0
        while not ctx.is_over():
            if cancel or time.monotonic() >= next_poll:
                next_poll = time.monotonic() + interval
                try:
                    status = self.platform.payment_status(ctx.token, entry.order_id)
                except PlatformUnavailable:
                    # The order stays pending in the journal: the next visit reconciles it.
                    status = None
                    step = replace(step, message="platform_unavailable")
                    ctx.post(ev.FlowUpdate(step))
                if status is not None and status.status == pj.PAID:
                    entry = journal.set_state(entry.idempotency_key, pj.PAID,
                                              {"e_invoice_url": status.e_invoice_url, **_order_details(status)})
                    self._finish_paid(ctx, case, entry, already=False)
                    return
                if status is not None and status.status in (pj.CANCELLED, pj.EXPIRED):
                    journal.set_state(entry.idempotency_key, status.status)
                    ctx.post(ev.FlowFinished("payment_expired" if status.status == pj.EXPIRED
                                             else "payment_cancelled"))
                    return
                if cancel:
                    # No cancel API at the gateway: the journal keeps the order pending, so the next payment for
                    # this case resumes it (same QR code) instead of creating another one.
                    logger.info("payment: applicant stopped waiting for order %s", entry.order_id)
                    ctx.post(ev.FlowFinished("payment_cancelled"))
                    return
                if status is not None:
                    step = replace(step, message=None)
                    ctx.post(ev.FlowUpdate(step))
            step = replace(step, seconds_left=_seconds_left(expires_at))
            ctx.post(ev.FlowUpdate(step))
            answer = ctx.wait_input(max(0.05, min(1.0, next_poll - time.monotonic())))
            if answer is not None and answer.action == "cancel":
                cancel = True

    def _finish_paid(self, ctx, case, entry: pj.JournalEntry, *, already: bool) -> None:
        if ctx.is_over():
            return  # the applicant left: the receipt stays owed in the journal and is printed on their next visit
        journal = self.services.payment_journal
        if entry.receipt_printed_at is not None:
            ctx.post(ev.FlowFinished("payment_already_paid"))
            return
        ctx.post(ev.FlowUpdate(PrintingReceipt()))
        if self.print_receipt(case, entry, payer_name=ctx.applicant_name):
            journal.mark_receipt_printed(entry.idempotency_key)
            ctx.post(ev.FlowFinished("payment_already_paid" if already else "payment_done", receipt_pending=True))
        else:
            ctx.post(ev.FlowFinished("payment_done_no_receipt"))

    def print_receipt(self, case, entry: pj.JournalEntry, *, payer_name: str | None = None) -> bool:
        """payer_name: the verified card's name, printed masked; never logged."""
        from kiosk.documents.receipts import payment_receipt
        from peripherals.status import CompletionCode

        printer = self.services.receipt_printer
        if printer is None:
            return False
        details = entry.details
        items = details.get("items") or []
        total = sum(int(i["amount_fen"]) for i in items)
        if not items or (entry.amount_fen is not None and total != entry.amount_fen):
            items = [{"name": "合计", "amount_fen": entry.amount_fen or 0}]  # never print a wrong breakdown
            total = entry.amount_fen or 0
        elements = payment_receipt(office=self.services.office, kiosk_id=self.services.kiosk_id,
                                   case_id=case.case_id, case_kind=details.get("kind") or case.kind, items=items,
                                   total_fen=total, order_id=entry.order_id, paid_at=dt.datetime.now(),
                                   e_invoice_url=details.get("e_invoice_url"), payer_name=payer_name,
                                   channel_name=details.get("channel_name"), payment_code=details.get("payment_code"),
                                   transaction_masked=details.get("transaction_masked"))
        code = printer.print_elements(elements)
        if code != CompletionCode.SUCCESS:
            logger.warning("payment: receipt of order %s not printed (%s)", entry.order_id, code.value)
            return False
        logger.info("payment: receipt of order %s printed", entry.order_id)
        return True


def _order_details(order) -> dict:
    """What the receipt names of an order: its channel, 缴款码 and masked transaction number (those the gateway gave)."""
    out = {}
    for key in ("channel_name", "payment_code", "transaction_masked", "channel"):
        value = getattr(order, key, None)
        if value:
            out[key] = value
    return out


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _parse(value) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _seconds_left(expires_at: dt.datetime | None) -> int | None:
    if expires_at is None:
        return None
    return max(0, int((expires_at - dt.datetime.now(dt.timezone.utc)).total_seconds()))
