"""The aggregated code (聚合码): one QR for WeChat Pay and Alipay, opening the gateway's page that pays in the app that
scanned it (WeChat JSAPI, Alipay wap pay); the notifications and queries of its two member channels."""
from __future__ import annotations

import datetime as dt
import logging

from gateway.adapters.payment import ProviderOrder

logger = logging.getLogger(__name__)

AGGREGATED = "aggregated"
PAGE_PATH = "/pay/qr"


def payer_app(user_agent: str | None) -> str | None:
    """The app whose browser opened the code: 'wechat' (MicroMessenger), 'alipay' (AlipayClient) or None."""
    agent = user_agent or ""
    if "MicroMessenger" in agent:
        return "wechat"
    if "AlipayClient" in agent:
        return "alipay"
    return None


class AggregatedCode:
    """Hands out the URL of the gateway's own page (the QR's content); the provider orders are made when a phone
    opens it, by the member of the app that opened it. Refunds and notifications go to that member."""

    channel = AGGREGATED
    simulated = False

    def __init__(self, public_base_url: str, wechat, alipay):
        self.public_base_url = public_base_url.rstrip("/")
        self.wechat, self.alipay = wechat, alipay
        self.members = (wechat, alipay)

    def member(self, channel: str):
        return {m.channel: m for m in self.members}.get(channel)

    def create_order(self, order_id: str, amount_fen: int, pay_secret: str, *, description: str = "",
                     expires_at: dt.datetime | None = None) -> ProviderOrder:
        return ProviderOrder(pay_url=f"{self.public_base_url}{PAGE_PATH}/{order_id}?t={pay_secret}",
                             provider_ref=order_id)

    def close(self, order_id: str) -> str:
        """Closes the order at both providers; 'paid' if either says the money came first."""
        outcomes = [m.close(order_id) for m in self.members]
        return "paid" if "paid" in outcomes else "closed"


def provider_for(channels: dict, channel: str | None):
    """The provider of `channel`: configured on its own, or a member of the aggregated code."""
    if not channel:
        return None
    if channel in channels:
        return channels[channel]
    aggregated = channels.get(AGGREGATED)
    return aggregated.member(channel) if aggregated is not None else None
