"""Plain-language texts (zh_CN, en) of the payment screen's aggregated code (聚合码: one QR for WeChat Pay and Alipay).

catalog/i18n.py takes them in with **PAYMENT_MESSAGES.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# key: (zh_CN, en)
PAYMENT_MESSAGES: dict[str, tuple[str, str]] = {
    "channel.aggregated": ("微信或支付宝", "WeChat or Alipay"),
    "pay.scan_aggregated": ("请用微信或支付宝扫描二维码付款", "Scan the code with WeChat or Alipay to pay"),
    "pay.aggregated_apps": ("一个码，微信、支付宝都能付", "One code: pay with WeChat or with Alipay"),
}
