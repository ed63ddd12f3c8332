"""Payment provider interface and the simulated unified-collection (统一收缴) platform with its signed notifications."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


class NotificationRejected(Exception):
    """A payment notification whose signature or content does not check out."""


@dataclass(frozen=True)
class ProviderOrder:
    pay_url: str
    provider_ref: str


@dataclass(frozen=True)
class PaymentNotification:
    order_id: str
    provider_ref: str
    outcome: str  # "paid" | "cancelled"


class PaymentProvider(Protocol):
    def create_order(self, order_id: str, amount_fen: int, pay_secret: str) -> ProviderOrder: ...

    def parse_notification(self, body: bytes, signature: str) -> PaymentNotification: ...


class SimulatedUnifiedCollection:
    """Hands out a URL of the gateway's own payment page; the page plays the provider and notifies with an HMAC."""

    def __init__(self, public_base_url: str, secret: str):
        self.public_base_url = public_base_url.rstrip("/")
        self.secret = secret.encode()

    def create_order(self, order_id: str, amount_fen: int, pay_secret: str) -> ProviderOrder:
        return ProviderOrder(pay_url=f"{self.public_base_url}/pay/{order_id}?t={pay_secret}",
                             provider_ref=f"UC{hashlib.sha256(order_id.encode()).hexdigest()[:16].upper()}")

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def notification(self, order_id: str, provider_ref: str, outcome: str) -> tuple[bytes, str]:
        """What the provider would POST back: the body and its signature."""
        body = json.dumps({"order_id": order_id, "provider_ref": provider_ref, "outcome": outcome}).encode()
        return body, self.sign(body)

    def parse_notification(self, body: bytes, signature: str) -> PaymentNotification:
        if not hmac.compare_digest(self.sign(body), signature or ""):
            raise NotificationRejected("bad signature")
        try:
            data = json.loads(body)
            notification = PaymentNotification(str(data["order_id"]), str(data["provider_ref"]), str(data["outcome"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected("malformed notification") from exc
        if notification.outcome not in ("paid", "cancelled"):
            raise NotificationRejected("unknown outcome")
        return notification
