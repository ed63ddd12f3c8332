"""Payment provider interface and the simulated unified-collection (统一收缴) platform with its signed notifications."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Mapping, Protocol

logger = logging.getLogger(__name__)

CHANNELS = ("wechat", "alipay", "unified")
CHANNEL_NAMES = {"wechat": "微信支付", "alipay": "支付宝", "unified": "统一收缴（演示）", "aggregated": "微信或支付宝（聚合码）"}


class NotificationRejected(Exception):
    """A payment notification whose signature or content does not check out."""


class ProviderError(Exception):
    """The provider refused a call or could not be reached (its error code in `code`, when it gave one)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ProviderOrder:
    pay_url: str
    provider_ref: str


@dataclass(frozen=True)
class PaymentNotification:
    order_id: str
    provider_ref: str
    outcome: str  # "paid" | "cancelled"
    amount_fen: int | None = None  # what the payer paid; None: the provider does not say (the simulated one)
    transaction_id: str | None = None  # the provider's own number for the payment (printed masked)
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class ProviderTrade:
    """An order as the provider knows it (order query): state is paid | pending | closed | refunded | not_found."""

    state: str
    amount_fen: int | None = None
    transaction_id: str | None = None
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class ProviderRefund:
    refund_ref: str  # the provider's refund number
    state: str  # "done" | "processing"


@dataclass(frozen=True)
class BillLine:
    """One payment of the provider's daily statement."""

    order_id: str
    transaction_id: str
    amount_fen: int
    state: str = "paid"  # "paid" | "refunded"


@dataclass(frozen=True)
class NotificationAck:
    """What the provider expects back: its own status code and body."""

    status_code: int
    body: bytes
    media_type: str = "application/json"
    extra: dict = field(default_factory=dict)


class PaymentProvider(Protocol):
    channel: str

    def create_order(self, order_id: str, amount_fen: int, pay_secret: str, *, description: str = "",
                     expires_at: dt.datetime | None = None) -> ProviderOrder: ...

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification: ...

    def ack(self, ok: bool, message: str = "") -> NotificationAck: ...

    def query(self, order_id: str) -> ProviderTrade | None: ...

    def refund(self, order_id: str, refund_id: str, amount_fen: int, total_fen: int, reason: str) -> ProviderRefund: ...

    def bill(self, day: dt.date) -> list[BillLine] | None: ...


class SimulatedUnifiedCollection:
    """Hands out a URL of the gateway's own payment page; the page plays the provider and notifies with an HMAC.
    Demo only: `--production` refuses it (gateway.payment_config)."""

    channel = "unified"
    simulated = True

    def __init__(self, public_base_url: str, secret: str):
        self.public_base_url = public_base_url.rstrip("/")
        self.secret = secret.encode()

    def create_order(self, order_id: str, amount_fen: int, pay_secret: str, *, description: str = "",
                     expires_at: dt.datetime | None = None) -> ProviderOrder:
        return ProviderOrder(pay_url=f"{self.public_base_url}/pay/{order_id}?t={pay_secret}",
                             provider_ref=f"UC{hashlib.sha256(order_id.encode()).hexdigest()[:16].upper()}")

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def notification(self, order_id: str, provider_ref: str, outcome: str) -> tuple[bytes, str]:
        """What the provider would POST back: the body and its signature."""
        body = json.dumps({"order_id": order_id, "provider_ref": provider_ref, "outcome": outcome}).encode()
        return body, self.sign(body)

    def parse_notification(self, body: bytes, headers: Mapping[str, str] | str) -> PaymentNotification:
        signature = headers if isinstance(headers, str) else (headers.get("x-signature") or "")
        if not hmac.compare_digest(self.sign(body), signature or ""):
            raise NotificationRejected("bad signature")
        try:
            data = json.loads(body)
            notification = PaymentNotification(str(data["order_id"]), str(data["provider_ref"]), str(data["outcome"]),
                                               transaction_id=str(data["provider_ref"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected("malformed notification") from exc
        if notification.outcome not in ("paid", "cancelled"):
            raise NotificationRejected("unknown outcome")
        return notification

    def ack(self, ok: bool, message: str = "") -> NotificationAck:
        return NotificationAck(200 if ok else 400, json.dumps({"ok": ok, "message": message}).encode())

    def query(self, order_id: str) -> ProviderTrade | None:
        return None  # the demo page is the provider and tells the gateway at once: nothing to ask

    def refund(self, order_id: str, refund_id: str, amount_fen: int, total_fen: int, reason: str) -> ProviderRefund:
        return ProviderRefund(refund_ref=f"UR{hashlib.sha256(refund_id.encode()).hexdigest()[:16].upper()}",
                              state="done")

    def bill(self, day: dt.date) -> list[BillLine] | None:
        return None  # no statement from a simulation
