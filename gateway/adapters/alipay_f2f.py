"""Alipay face-to-face payment (当面付), precreate (`qr_code` for the kiosk's QR) through `python-alipay-sdk`: RSA2-signed
requests, verified answers and notifications, query, refund and the daily bill download."""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Mapping
from urllib.parse import parse_qsl

from gateway.adapters.payment import (BillLine, NotificationAck, NotificationRejected, PaymentNotification,
                                      ProviderError, ProviderOrder, ProviderRefund, ProviderTrade)

logger = logging.getLogger(__name__)

BEIJING = dt.timezone(dt.timedelta(hours=8))
# notify_time is inside the signed content: a notification sent longer ago than this is refused as a replay.
REPLAY_WINDOW_S = 900
TRADE_STATES = {"TRADE_SUCCESS": "paid", "TRADE_FINISHED": "paid", "WAIT_BUYER_PAY": "pending",
                "TRADE_CLOSED": "closed"}


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    app_private_key_pem: str  # the application's RSA2 private key
    alipay_public_key_pem: str  # Alipay's public key (verifies answers and notifications)
    notify_url: str
    seller_id: str | None = None  # the merchant's PID (2088...): a notification for another seller is refused
    api_base: str = "https://openapi.alipay.com/gateway.do"
    timeout_s: float = 10.0


def _yuan(fen: int) -> str:
    return f"{int(fen) // 100}.{int(fen) % 100:02d}"


def _fen(yuan) -> int:
    try:
        return int((Decimal(str(yuan)) * 100).to_integral_value())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {yuan!r}") from None


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).astimezone(dt.timezone.utc)
    except ValueError:
        return None


class AlipayFaceToFace:
    channel = "alipay"
    simulated = False

    def __init__(self, config: AlipayConfig, clock=time.time):
        self.config = config
        self._clock = clock
        self._client = None
        self._lock = threading.Lock()

    @property
    def sdk(self):
        with self._lock:
            if self._client is None:
                from alipay import AliPay
                from alipay.utils import AliPayConfig

                cfg = self.config
                try:
                    client = AliPay(appid=cfg.app_id, app_notify_url=cfg.notify_url,
                                    app_private_key_string=cfg.app_private_key_pem,
                                    alipay_public_key_string=cfg.alipay_public_key_pem, sign_type="RSA2",
                                    config=AliPayConfig(timeout=cfg.timeout_s))
                except Exception as exc:
                    raise ProviderError(f"Alipay client not ready: {type(exc).__name__}") from None
                client._gateway = cfg.api_base  # the SDK's host is fixed; the configured one wins
                self._client = client
            return self._client

    def _call(self, what: str, fn, *args, **kwargs) -> dict:
        from alipay.exceptions import AliPayException, AliPayValidationError

        try:
            answer = fn(*args, **kwargs)
        except AliPayValidationError:
            raise ProviderError(f"Alipay {what}: the answer's signature does not verify") from None
        except AliPayException as exc:  # an unsigned error answer (e.g. a bad app id)
            raise ProviderError(f"Alipay {what} refused: {exc.code}", code=str(exc.code)) from None
        except Exception as exc:
            raise ProviderError(f"Alipay {what} failed: {type(exc).__name__}: {str(exc)[:120]}") from None
        if not isinstance(answer, dict):
            raise ProviderError(f"Alipay {what}: unexpected answer")
        return answer

    @staticmethod
    def _error(what: str, answer: dict) -> ProviderError:
        code = answer.get("sub_code") or answer.get("code")
        return ProviderError(f"Alipay {what} refused: {answer.get('code')} {answer.get('sub_code') or ''}".strip(),
                             code=code)

    def create_order(self, order_id: str, amount_fen: int, pay_secret: str, *, description: str = "",
                     expires_at: dt.datetime | None = None) -> ProviderOrder:
        extra = {}
        if expires_at is not None:
            extra["time_expire"] = expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        answer = self._call("precreate", self.sdk.api_alipay_trade_precreate, subject=description or "不动产登记税费",
                            out_trade_no=order_id, total_amount=_yuan(amount_fen), **extra)
        if answer.get("code") != "10000" or not answer.get("qr_code"):
            raise self._error("precreate", answer)
        return ProviderOrder(pay_url=answer["qr_code"], provider_ref=order_id)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification:
        try:
            data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise NotificationRejected("not a form body") from None
        signature = data.pop("sign", None)
        if not signature or data.get("sign_type") != "RSA2":
            raise NotificationRejected("unsigned or not RSA2")
        try:
            verified = self.sdk.verify(dict(data), signature)
        except ProviderError:
            raise
        except Exception:
            verified = False
        if not verified:
            raise NotificationRejected("bad signature")
        sent = _parse_time(data.get("notify_time"))
        if sent is None or abs(self._clock() - sent.timestamp()) > REPLAY_WINDOW_S:
            raise NotificationRejected("notify_time outside the replay window")
        if data.get("app_id") != self.config.app_id or (self.config.seller_id and
                                                        data.get("seller_id") != self.config.seller_id):
            raise NotificationRejected("notification for another merchant")
        if TRADE_STATES.get(data.get("trade_status", "")) != "paid":
            raise NotificationRejected(f"not a payment success ({data.get('trade_status')})")
        try:
            amount = _fen(data["total_amount"])
            order_id = data["out_trade_no"]
        except (KeyError, ValueError):
            raise NotificationRejected("malformed notification") from None
        return PaymentNotification(order_id=order_id, provider_ref=order_id, outcome="paid", amount_fen=amount,
                                   transaction_id=data.get("trade_no") or None,
                                   paid_at=_parse_time(data.get("gmt_payment")))

    # -- the aggregated code: Alipay's mobile-site payment inside the Alipay app --------------------------------
    def wap_pay_url(self, order_id: str, amount_fen: int, *, description: str = "",
                    expires_at: dt.datetime | None = None, return_url: str | None = None) -> str:
        """The signed alipay.trade.wap.pay request the Alipay app's browser is sent to (the cashier opens in the app;
        alipay.trade.create + tradePay would need the payer's buyer_id first: another OAuth step)."""
        extra = {}
        if expires_at is not None:
            extra["time_expire"] = expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        try:
            query = self.sdk.api_alipay_trade_wap_pay(subject=description or "不动产登记税费", out_trade_no=order_id,
                                                      total_amount=_yuan(amount_fen), return_url=return_url,
                                                      **extra)
        except ProviderError:
            raise
        except Exception as exc:
            raise ProviderError(f"Alipay wap pay failed: {type(exc).__name__}") from None
        return f"{self.config.api_base}?{query}"

    def close(self, order_id: str) -> str:
        """Closes an unpaid trade (superseded): 'closed', 'paid' when the money came first, or 'not_found' (never
        scanned). trade.close, not trade.cancel: cancel would refund a paid trade on its own, outside the gateway's
        refund record."""
        answer = self._call("close", self.sdk.api_alipay_trade_close, out_trade_no=order_id)
        if answer.get("code") == "10000":
            return "closed"
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return "not_found"
        if answer.get("sub_code") == "ACQ.TRADE_STATUS_ERROR":
            return "paid"  # (or closed already): money that came is refunded when its notification comes
        raise self._error("close", answer)

    @staticmethod
    def notification_id(body: bytes) -> str | None:
        try:
            return dict(parse_qsl(body.decode("utf-8"))).get("notify_id") or None
        except (UnicodeDecodeError, ValueError):
            return None

    def ack(self, ok: bool, message: str = "") -> NotificationAck:
        # Alipay stops retrying only on the exact body "success"; anything else is a failure it retries.
        return NotificationAck(200, b"success" if ok else b"fail", media_type="text/plain")

    def query(self, order_id: str) -> ProviderTrade | None:
        answer = self._call("query", self.sdk.api_alipay_trade_query, out_trade_no=order_id)
        if answer.get("code") == "40004" and answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return ProviderTrade(state="not_found")
        if answer.get("code") != "10000":
            raise self._error("query", answer)
        if answer.get("out_trade_no") != order_id:
            raise ProviderError("Alipay query answered for another order")
        amount = answer.get("total_amount")
        return ProviderTrade(state=TRADE_STATES.get(answer.get("trade_status", ""), "pending"),
                             amount_fen=_fen(amount) if amount is not None else None,
                             transaction_id=answer.get("trade_no"), paid_at=_parse_time(answer.get("send_pay_date")))

    def refund(self, order_id: str, refund_id: str, amount_fen: int, total_fen: int, reason: str) -> ProviderRefund:
        answer = self._call("refund", self.sdk.api_alipay_trade_refund, refund_amount=_yuan(amount_fen),
                            out_trade_no=order_id, out_request_no=refund_id, refund_reason=reason[:80])
        if answer.get("code") != "10000":
            raise self._error("refund", answer)
        # fund_change "Y": money moved now; "N" on a repeated out_request_no that was already refunded.
        return ProviderRefund(refund_ref=f"{answer.get('trade_no', '')}:{refund_id}", state="done")

    def bill(self, day: dt.date) -> list[BillLine] | None:
        answer = self._call("bill", self.sdk.server_api, "alipay.data.dataservice.bill.downloadurl.query",
                            biz_content={"bill_type": "trade", "bill_date": day.isoformat()})
        if answer.get("code") == "40004" and answer.get("sub_code") == "isp.bill_not_exist":
            return []
        if answer.get("code") != "10000" or not answer.get("bill_download_url"):
            raise self._error("bill", answer)
        try:
            with urllib.request.urlopen(answer["bill_download_url"], timeout=self.config.timeout_s) as response:
                content = response.read()
        except OSError as exc:
            raise ProviderError(f"Alipay bill download failed: {type(exc).__name__}") from None
        return parse_bill_zip(content)


def parse_bill_zip(content: bytes) -> list[BillLine]:
    """Alipay's bill: a zip with a GBK CSV of details (业务明细), '#' comment lines around a header and one row per
    payment or refund. Columns used: 支付宝交易号, 商户订单号, 业务类型 (交易 | 退款), 订单金额（元）."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        name = next(n for n in archive.namelist() if "汇总" not in n)
        text = archive.read(name).decode("gbk")
    except (zipfile.BadZipFile, StopIteration, UnicodeDecodeError, KeyError):
        raise ProviderError("Alipay bill: not a zip of a GBK statement") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    try:
        col = {name: header.index(name) for name in ("支付宝交易号", "商户订单号", "业务类型", "订单金额（元）")}
    except ValueError:
        raise ProviderError("Alipay bill: unexpected columns") from None
    out = []
    for row in rows[1:]:
        values = [v.strip().strip("\t") for v in row]
        if len(values) < len(header) or not values[col["支付宝交易号"]]:
            continue
        out.append(BillLine(order_id=values[col["商户订单号"]], transaction_id=values[col["支付宝交易号"]],
                            amount_fen=abs(_fen(values[col["订单金额（元）"]])),
                            state="refunded" if values[col["业务类型"]] == "退款" else "paid"))
    return out
