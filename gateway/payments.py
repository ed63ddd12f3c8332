"""Payment order rules: expiry, taking a provider's payment exactly once, refunding money that has no order to pay,
asking the provider when a notification is lost, and the daily reconciliation. Every state change is audited."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gateway import audit_chain
from gateway.adapters.aggregated_code import AGGREGATED, provider_for
from gateway.adapters.payment import PaymentNotification, ProviderError
from gateway.models import CaseStep, Case, PaymentOrder, PaymentReconciliation, PaymentRefund, utcnow

logger = logging.getLogger(__name__)

BEIJING = dt.timezone(dt.timedelta(hours=8))
REFUND_REASONS = {"cancelled_order": "订单已取消（被新订单替代）", "expired_order": "订单已过期",
                  "duplicate_payment": "同一业务重复缴款", "amount_mismatch": "缴款金额与订单不符"}


AGGREGATED_MEMBERS = ("wechat", "alipay")


class NotificationMismatch(Exception):
    pass


def _audit(db: Session, actor: str, action: str, order: PaymentOrder, **detail) -> None:
    audit_chain.append(db, actor, action, order.order_id,
                       {"case_id": order.case_id, "amount_fen": order.amount_fen, "channel": order.channel, **detail})


def refresh_expiry(order: PaymentOrder, db: Session | None = None) -> bool:
    """Marks a pending order past its time as expired (audited when `db` is given); True when it changed."""
    if order.status == "pending" and order.expires_at <= utcnow():
        order.status = "expired"
        if db is not None:
            _audit(db, "gateway", "payment_expired", order)
        return True
    return False


def payment_code(region_code: str) -> str:
    """The 20-digit payment code (缴款码) of the non-tax collection platform: the 6-digit administrative division of
    the collecting office, the 2-digit year, 11 random digits and a Luhn check digit (a mistyped code is caught)."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("the region code is 6 digits (GB/T 2260)")
    body = region_code + utcnow().astimezone(BEIJING).strftime("%y") + "".join(
        secrets.choice("0123456789") for _ in range(11))
    return body + luhn_digit(body)


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def valid_payment_code(code: str) -> bool:
    return len(code) == 20 and code.isdigit() and luhn_digit(code[:-1]) == code[-1]


def mask_transaction(transaction_id: str | None) -> str | None:
    """A provider transaction number as printed and shown: the first and last four characters."""
    if not transaction_id:
        return None
    if len(transaction_id) <= 8:
        return "*" * len(transaction_id)
    return transaction_id[:4] + "*" * (len(transaction_id) - 8) + transaction_id[-4:]


def apply_notification(db: Session, notification: PaymentNotification, provider=None) -> PaymentOrder:
    """Applies a verified provider notification once; a repeated one changes nothing. Caller commits."""
    order = db.get(PaymentOrder, notification.order_id)
    if order is None or order.provider_ref != notification.provider_ref:
        raise NotificationMismatch("unknown order")
    if provider is not None and order.channel and order.channel != provider.channel and not (
            order.channel == AGGREGATED and provider.channel in AGGREGATED_MEMBERS):
        raise NotificationMismatch("order of another channel")
    actor = f"payment_provider:{provider.channel if provider is not None else order.channel or 'unified'}"
    if notification.outcome == "cancelled":
        refresh_expiry(order, db)
        if order.status == "pending":
            order.status = "cancelled"
            _audit(db, actor, "payment_cancelled", order)
        return order
    return take_payment(db, order, provider, amount_fen=notification.amount_fen,
                        transaction_id=notification.transaction_id or notification.provider_ref,
                        paid_at=notification.paid_at, actor=actor)


def take_payment(db: Session, order: PaymentOrder, provider, *, amount_fen: int | None, transaction_id: str,
                 paid_at: dt.datetime | None, actor: str) -> PaymentOrder:
    """Money the provider says arrived for `order`: it pays the case if the order could still be paid, otherwise it
    goes back through the provider's refund API. The same money twice (a repeated notification, a query after a
    notification) changes nothing."""
    if order.status == "paid" and order.transaction_id == transaction_id:
        return order  # already taken
    if db.execute(select(PaymentRefund).where(PaymentRefund.order_id == order.order_id,
                                              PaymentRefund.transaction_id == transaction_id)).first():
        return order  # already being given back
    refresh_expiry(order, db)
    paid_in_time = order.status == "expired" and paid_at is not None and paid_at <= order.expires_at
    amount = order.amount_fen if amount_fen is None else int(amount_fen)
    if amount != order.amount_fen:
        return _refund(db, order, provider, amount, transaction_id, "amount_mismatch", actor)
    if order.status == "pending" or paid_in_time:
        case = db.get(Case, order.case_id)
        if case is None or case.status != "tax_assessed":
            return _refund(db, order, provider, amount, transaction_id, "duplicate_payment", actor)
        now = utcnow()
        order.status = "paid"
        order.paid_at = paid_at or now
        order.transaction_id = transaction_id
        order.paid_amount_fen = amount
        order.paid_channel = _money_channel(order, provider)
        case.status = "paid"
        db.add(CaseStep(case_id=case.case_id, status="paid", at=now))
        _audit(db, actor, "payment_paid", order, transaction=mask_transaction(transaction_id),
               late=paid_in_time or None, paid_channel=order.paid_channel)
        logger.info("payment order %s is paid", order.order_id)
        return order
    if order.status == "paid":
        return _refund(db, order, provider, amount, transaction_id, "duplicate_payment", actor)
    return _refund(db, order, provider, amount, transaction_id, f"{order.status}_order", actor)


def _money_channel(order: PaymentOrder, provider) -> str:
    """The channel the money came through: the provider's (a member of the aggregated code), else the order's."""
    channel = getattr(provider, "channel", None)
    return channel if channel and channel != AGGREGATED else (order.channel or "unified")


def refund_id_for(order_id: str, transaction_id: str) -> str:
    """The same money always gets the same refund number: a retried refund can never pay back twice."""
    return "RF" + hashlib.sha256(f"{order_id}|{transaction_id}".encode()).hexdigest()[:24].upper()


def _refund(db: Session, order: PaymentOrder, provider, amount_fen: int, transaction_id: str, reason: str,
            actor: str) -> PaymentOrder:
    now = utcnow()
    refund = PaymentRefund(refund_id=refund_id_for(order.order_id, transaction_id), order_id=order.order_id,
                           channel=_money_channel(order, provider), amount_fen=amount_fen, reason=reason,
                           status="processing", transaction_id=transaction_id, created_at=now, updated_at=now)
    db.add(refund)
    _audit(db, actor, "payment_refund_requested", order, refund_id=refund.refund_id, reason=reason,
           refund_fen=amount_fen, transaction=mask_transaction(transaction_id))
    send_refund(db, refund, provider)
    from gateway.dashboard.alerts import raise_alert

    raise_alert(db, order.kiosk_id, "payment_refund", refund.refund_id,
                f"{order.order_id}: ¥{amount_fen / 100:,.2f} {REFUND_REASONS.get(reason, reason)}，退款{_STATUS_WORDS[refund.status]}",
                now)
    logger.warning("payment order %s: money refunded (%s)", order.order_id, reason)
    return order


_STATUS_WORDS = {"done": "已完成", "processing": "处理中", "failed": "失败（将重试）"}


def send_refund(db: Session, refund: PaymentRefund, provider) -> None:
    """Asks the provider to give the money back (again, for a failed one: the refund id makes it idempotent)."""
    order = db.get(PaymentOrder, refund.order_id)
    if provider is None:
        refund.status, refund.error = "failed", "no provider configured for this channel"
    else:
        try:
            # The whole of the payment goes back, so the refund is also the transaction's total.
            result = provider.refund(refund.order_id, refund.refund_id, refund.amount_fen, refund.amount_fen,
                                     REFUND_REASONS.get(refund.reason, ""))
            refund.status, refund.provider_refund_ref, refund.error = result.state, result.refund_ref, None
        except ProviderError as exc:
            refund.status, refund.error = "failed", str(exc)[:200]
    refund.updated_at = utcnow()
    _audit(db, f"payment_provider:{refund.channel}", f"payment_refund_{refund.status}", order,
           refund_id=refund.refund_id, error=refund.error)


def retry_refunds(db: Session, providers: dict) -> int:
    """Sends the failed refunds again; returns how many are done now."""
    done = 0
    for refund in db.execute(select(PaymentRefund).where(PaymentRefund.status == "failed")).scalars().all():
        send_refund(db, refund, provider_for(providers, refund.channel))
        done += refund.status == "done"
    return done


def query_order(db: Session, order: PaymentOrder, provider, now: dt.datetime | None = None) -> PaymentOrder:
    """Asks the provider how an order stands (a notification may be lost) and takes a payment it reports. An
    aggregated order is asked of both its providers: either app may have paid it (or both)."""
    now = now or utcnow()
    was_expired = order.status == "expired" or order.expires_at <= now
    trades = [(member, member.query(order.order_id)) for member in getattr(provider, "members", (provider,))]
    order.queried_at = now
    trades = [(member, trade) for member, trade in trades if trade is not None]
    if not trades:
        return order
    for member, trade in trades:
        if trade.state in ("paid", "refunded") and trade.transaction_id:
            take_payment(db, order, member, amount_fen=trade.amount_fen, transaction_id=trade.transaction_id,
                         paid_at=trade.paid_at, actor=f"payment_provider:{member.channel}")
    refresh_expiry(order, db)
    if was_expired and not order.settled:
        order.settled = True
        _audit(db, "gateway", "payment_settled_by_query", order,
               provider_state="/".join(trade.state for _m, trade in trades), status=order.status)
    return order


def close_superseded(db: Session, order: PaymentOrder, provider, actor: str) -> str | None:
    """Closes a superseded order at its provider, so its QR code can no longer be paid (both providers for an
    aggregated one). A failure is recorded and changes nothing else: money that still arrives is refunded by
    take_payment. Returns the provider's outcome (closed | paid | not_found), None when it could not be asked."""
    close = getattr(provider, "close", None)
    if close is None:
        return None  # the demo's simulated platform: its page refuses a cancelled order by itself
    try:
        outcome = close(order.order_id)
    except ProviderError as exc:
        _audit(db, actor, "payment_close_failed", order, error=str(exc)[:200])
        logger.warning("payment order %s: closing it at the provider failed (%s)", order.order_id, exc)
        return None
    _audit(db, actor, "payment_closed_at_provider", order, outcome=outcome)
    return outcome


def sweep(db_factory, providers: dict, *, before_expiry_s: float, requery_s: float,
          now: dt.datetime | None = None) -> int:
    """One pass of the order watcher: queries pending orders close to their expiry (and not asked for `requery_s`)
    and expired ones not yet settled, each in its own transaction; retries failed refunds. Returns orders asked."""
    now = now or utcnow()
    asked = 0
    with db_factory() as db:
        due = db.execute(select(PaymentOrder.order_id).where(
            PaymentOrder.channel.in_(list(providers)), PaymentOrder.settled.is_(False),
            PaymentOrder.status.in_(("pending", "expired")),
            PaymentOrder.expires_at <= now + dt.timedelta(seconds=before_expiry_s))).scalars().all()
    for order_id in due:
        with db_factory() as db:
            order = db.get(PaymentOrder, order_id)
            if order is None or order.settled or order.status not in ("pending", "expired"):
                continue
            if order.status == "pending" and order.queried_at is not None and \
                    order.queried_at > now - dt.timedelta(seconds=requery_s) and order.expires_at > now:
                continue
            try:
                query_order(db, order, providers[order.channel], now)
                db.commit()
                asked += 1
            except ProviderError as exc:
                db.rollback()
                logger.warning("payment order %s: query failed (%s)", order_id, exc)
    with db_factory() as db:
        if db.execute(select(PaymentRefund.refund_id).where(PaymentRefund.status == "failed")).first():
            retry_refunds(db, providers)
            db.commit()
    return asked


def reconcile_day(db: Session, provider, day: dt.date, now: dt.datetime | None = None) -> int:
    """Compares the provider's statement of `day` (Beijing time) with the gateway's orders of that channel; raises a
    dashboard alert for each difference and returns how many there were. Caller commits."""
    from gateway.dashboard.alerts import raise_alert

    now = now or utcnow()
    lines = provider.bill(day)
    if lines is None:
        return 0
    start = dt.datetime.combine(day, dt.time(), BEIJING)
    end = start + dt.timedelta(days=1)
    paid = {o.order_id: o for o in db.execute(select(PaymentOrder).where(
        or_(PaymentOrder.paid_channel == provider.channel,
            and_(PaymentOrder.paid_channel.is_(None), PaymentOrder.channel == provider.channel)),
        PaymentOrder.status == "paid",
        PaymentOrder.paid_at >= start, PaymentOrder.paid_at < end)).scalars()}
    refunds = {(r.order_id, r.transaction_id): r for r in db.execute(select(PaymentRefund).where(
        PaymentRefund.channel == provider.channel)).scalars()}
    differences: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in lines:
        if line.state == "refunded":
            continue  # money given back: the gateway's own record of it is payment_refunds (dashboard, audit)
        seen.add(line.order_id)
        order = paid.get(line.order_id) or db.get(PaymentOrder, line.order_id)
        if order is None:
            differences.append((line.order_id or line.transaction_id, "账单有此笔款项，网关无此订单"))
        elif (line.order_id, line.transaction_id) in refunds:
            continue  # money we are giving back: recorded, already on the dashboard
        elif order.status != "paid" or order.transaction_id != line.transaction_id:
            differences.append((order.order_id, f"账单已收款，网关订单为{order.status}"))
        elif line.amount_fen != (order.paid_amount_fen or order.amount_fen):
            differences.append((order.order_id, f"金额不符：账单¥{line.amount_fen / 100:,.2f}，"
                                                f"订单¥{order.amount_fen / 100:,.2f}"))
    for order_id, order in paid.items():
        if order_id not in seen:
            differences.append((order_id, "网关已记为已缴，账单无此笔款项"))
    for subject, detail in differences:
        raise_alert(db, "payments", "payment_reconciliation", f"{provider.channel}:{day.isoformat()}:{subject}"[:64],
                    f"{provider.channel} {day.isoformat()}: {detail}"[:200], now)
    db.merge(PaymentReconciliation(channel=provider.channel, day=day, ran_at=now, lines=len(lines),
                                   differences=len(differences)))
    audit_chain.append(db, "gateway", "payment_reconciled", f"{provider.channel}:{day.isoformat()}",
                       {"lines": len(lines), "differences": len(differences)})
    return len(differences)


def reconcile_due(db_factory, providers: dict, now: dt.datetime | None = None) -> int:
    """The daily job: yesterday (Beijing time) of each real channel, once. Returns the differences found."""
    now = now or utcnow()
    day = (now.astimezone(BEIJING) - dt.timedelta(days=1)).date()
    found = 0
    real = {}
    for provider in providers.values():  # the aggregated code's statements are its members'
        for member in getattr(provider, "members", (provider,)):
            real[member.channel] = member
    for channel, provider in real.items():
        if getattr(provider, "simulated", False):
            continue
        with db_factory() as db:
            if db.get(PaymentReconciliation, (channel, day)) is not None:
                continue
            try:
                found += reconcile_day(db, provider, day, now)
                db.commit()
            except ProviderError as exc:
                db.rollback()
                logger.warning("payment reconciliation of %s %s failed (%s)", channel, day, exc)
    return found
