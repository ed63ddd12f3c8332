"""Payment orders: one order for all fees of a case (idempotent on the kiosk's key), and its status to poll."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gateway.deps import AdaptersDep, Applicant, CurrentKiosk, Db, IdempotencyKey, Settings, audit, sha256_hex
from gateway.errors import ApiError
from gateway.idempotency import run_idempotent
from gateway.models import Case, PaymentOrder, utcnow
from gateway.adapters.payment import CHANNEL_NAMES, ProviderError
from gateway.adapters.aggregated_code import provider_for
from gateway.payments import close_superseded, mask_transaction, payment_code, refresh_expiry
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.cases import applicant_case, fee_items

logger = logging.getLogger(__name__)

router = APIRouter(tags=["payments"])


class PaymentOrderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    channel: str | None = Field(None, pattern="^(wechat|alipay|unified|aggregated)$",
                                description="one of the site's channels (GET /v1/payment-channels); default: the first")


class PaymentOrderOut(BaseModel):
    order_id: str
    status: str = Field(description="pending | paid | cancelled | expired")
    pay_url: str | None
    amount_fen: int
    expires_at: dt.datetime
    e_invoice_url: str | None
    channel: str | None = Field(None, description="wechat | alipay | aggregated (one code for both) | unified (the "
                                                  "demo's simulated platform)")
    channel_name: str | None = Field(None, description="the channel's name; once paid, of the channel that paid")
    paid_channel: str | None = Field(None, description="once paid: the channel the money came through")
    payment_code: str | None = Field(None, description="the 20-digit payment code (缴款码), printed on the receipt")
    transaction_masked: str | None = Field(None, description="the provider's transaction number, masked")


class PaymentChannelOut(BaseModel):
    channel: str
    name: str


class PaymentChannelsOut(BaseModel):
    channels: list[PaymentChannelOut]


@router.get("/v1/payment-channels", response_model=PaymentChannelsOut, responses=errors(*KIOSK_ERRORS),
            summary="The payment channels this site accepts, in the order the kiosk offers them")
def payment_channels(kiosk: CurrentKiosk, adapters: AdaptersDep) -> dict:
    return {"channels": [{"channel": c, "name": CHANNEL_NAMES.get(c, c)} for c in adapters.channels()]}


def order_out(settings, order: PaymentOrder, pay_url: str | None = None) -> dict:
    return {"order_id": order.order_id, "status": order.status, "pay_url": pay_url, "amount_fen": order.amount_fen,
            "expires_at": order.expires_at, "e_invoice_url": e_invoice_url(settings, order),
            "channel": order.channel, "paid_channel": order.paid_channel,
            "channel_name": CHANNEL_NAMES.get(order.paid_channel or order.channel or "", None),
            "payment_code": order.payment_code, "transaction_masked": mask_transaction(order.transaction_id)}


def e_invoice_url(settings, order: PaymentOrder) -> str | None:
    if order.status != "paid":
        return None
    return f"{settings.public_base_url.rstrip('/')}/invoices/{order.order_id}"


@router.post("/v1/payment-orders", status_code=201, response_model=PaymentOrderOut,
             responses=errors(*KIOSK_ERRORS, 404, 409, 502), summary="One payment order for all fees of a case")
def create_order(body: PaymentOrderRequest, key: IdempotencyKey, token: Applicant, kiosk: CurrentKiosk, db: Db,
                 settings: Settings, adapters: AdaptersDep):
    def action():
        case = applicant_case(db, token, body.case_id)
        if case.status != "tax_assessed":
            raise ApiError(409, "case_not_payable", "This case has nothing to pay at its current step.")
        items = fee_items(adapters, case)
        total = sum(item.amount_fen for item in items)
        if total <= 0:
            raise ApiError(409, "case_not_payable", "This case has nothing to pay.")
        channels = adapters.channels()
        if not channels:
            raise ApiError(503, "payment_unavailable", "This gateway has no payment channel configured.")
        channel = body.channel or next(iter(channels))
        if channel not in channels:
            raise ApiError(409, "channel_not_accepted", "This site does not accept that payment channel.")
        now = utcnow()
        # One open order per case: a new attempt cancels the previous pending one, so it can never be paid twice
        # (money still paid to the old one is refunded: gateway.payments.take_payment).
        for old in db.execute(select(PaymentOrder).where(PaymentOrder.case_id == case.case_id,
                                                         PaymentOrder.status == "pending")).scalars():
            if not refresh_expiry(old, db):
                old.status = "cancelled"
                audit(db, kiosk.kiosk_id, "payment_cancelled", old.order_id,
                      {"case_id": case.case_id, "amount_fen": old.amount_fen, "channel": old.channel,
                       "superseded": True})
                close_superseded(db, old, provider_for(channels, old.channel), kiosk.kiosk_id)
        order_id = "PO" + secrets.token_hex(8).upper()
        pay_secret = secrets.token_urlsafe(16)
        expires_at = now + dt.timedelta(seconds=settings.payment_order_ttl_s)
        try:
            provider = channels[channel].create_order(order_id, total, pay_secret, expires_at=expires_at,
                                                      description=f"不动产登记税费 {case.case_id}")
        except ProviderError as exc:
            logger.warning("payment order for case %s: %s", case.case_id, exc)
            raise ApiError(502, "provider_unavailable", "The payment provider did not take the order; try again.")
        order = PaymentOrder(order_id=order_id, case_id=case.case_id, kiosk_id=kiosk.kiosk_id, amount_fen=total,
                             items=[item.to_json() for item in items], status="pending", created_at=now,
                             expires_at=expires_at, channel=channel,
                             payment_code=payment_code(adapters.payment_region_code),
                             pay_secret_hash=sha256_hex(pay_secret), provider_ref=provider.provider_ref)
        db.add(order)
        audit(db, kiosk.kiosk_id, "payment_order_created", order_id,
              {"case_id": case.case_id, "amount_fen": total, "channel": channel})
        out = order_out(settings, order, provider.pay_url)
        return 201, {**out, "expires_at": order.expires_at.isoformat()}

    return run_idempotent(db, kiosk.kiosk_id, "payment_order", key, body.model_dump(), action)


@router.get("/v1/payment-orders/{order_id}", response_model=PaymentOrderOut, responses=errors(*KIOSK_ERRORS, 404),
            summary="Status of a payment order (the kiosk polls it)")
def order_status(order_id: Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")],
                 token: Applicant, db: Db, settings: Settings) -> dict:
    order = db.get(PaymentOrder, order_id)
    case = db.get(Case, order.case_id) if order is not None else None
    if order is None or case is None or case.id_number != token.id_number:
        raise ApiError(404, "order_not_found", "No such payment order for this applicant.")
    if refresh_expiry(order, db):
        db.commit()
    return order_out(settings, order)
