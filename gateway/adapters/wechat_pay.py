"""WeChat Pay API v3, Native payment (扫码支付) through the `wechatpayv3` SDK: orders, signed notifications, query,
refund and the daily trade bill."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from gateway.adapters.payment import (BillLine, NotificationAck, NotificationRejected, PaymentNotification,
                                      ProviderError, ProviderOrder, ProviderRefund, ProviderTrade)

logger = logging.getLogger(__name__)

BEIJING = dt.timezone(dt.timedelta(hours=8))
# WeChat Pay signs each notification with a timestamp; one older (or newer) than this is refused as a replay.
REPLAY_WINDOW_S = 300
TRADE_STATES = {"SUCCESS": "paid", "REFUND": "refunded", "NOTPAY": "pending", "USERPAYING": "pending",
                "CLOSED": "closed", "REVOKED": "closed", "PAYERROR": "closed"}


@dataclass(frozen=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    cert_serial_no: str  # the merchant API certificate's serial number
    private_key_pem: str  # the merchant API certificate's private key (apiclient_key.pem)
    apiv3_key: str  # 32 bytes: decrypts notifications and downloaded platform certificates
    platform_cert_dir: Path  # WeChat Pay platform certificates (PEM); new ones are downloaded into it
    notify_url: str
    api_base: str = "https://api.mch.weixin.qq.com"
    timeout_s: float = 10.0
    # The aggregated code (JSAPI in WeChat's browser): the official account's AppSecret for the OAuth code -> openid
    # exchange, and the two WeChat hosts of that step (the simulator's in tests).
    app_secret: str | None = None
    oauth_base: str = "https://open.weixin.qq.com"
    sns_base: str = "https://api.weixin.qq.com"


def _beijing(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).replace(microsecond=0).isoformat()


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).astimezone(dt.timezone.utc)
    except ValueError:
        return None


class WeChatPayNative:
    """The kiosk's QR code is the `code_url` of a Native order; the SDK signs requests and verifies the platform's
    signature on every response and notification; this adapter adds the replay window and the amount checks."""

    channel = "wechat"
    simulated = False

    def __init__(self, config: WeChatPayConfig, clock=time.time):
        self.config = config
        self._clock = clock
        self._pay = None
        self._lock = threading.Lock()

    @property
    def sdk(self):
        """The SDK client, built on first use (it loads the platform certificates from platform_cert_dir)."""
        with self._lock:
            if self._pay is None:
                from wechatpayv3 import WeChatPay, WeChatPayType

                cfg = self.config
                try:
                    pay = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=cfg.mchid,
                                    private_key=cfg.private_key_pem, cert_serial_no=cfg.cert_serial_no,
                                    appid=cfg.appid, apiv3_key=cfg.apiv3_key, notify_url=cfg.notify_url,
                                    cert_dir=str(cfg.platform_cert_dir), timeout=(cfg.timeout_s, cfg.timeout_s))
                except Exception as exc:  # the SDK raises bare Exceptions ('No wechatpay platform certificate...')
                    raise ProviderError(f"WeChat Pay client not ready: {exc}") from None
                # The SDK's API host is fixed; the configured one (a private line, or the simulator in tests) wins.
                # Certificates it downloads later (a new platform serial) also come from here.
                pay._core._gate_way = cfg.api_base.rstrip("/")
                self._pay = pay
            return self._pay

    def _call(self, what: str, fn, *args, **kwargs) -> tuple[int, dict | bytes]:
        try:
            code, message = fn(*args, **kwargs)
        except ProviderError:
            raise
        except Exception as exc:  # network errors, or the SDK's 'failed to verify the signature'
            raise ProviderError(f"WeChat Pay {what} failed: {type(exc).__name__}: {str(exc)[:120]}") from None
        if isinstance(message, (bytes, bytearray)):
            return code, bytes(message)
        try:
            return code, json.loads(message) if message else {}
        except ValueError:
            raise ProviderError(f"WeChat Pay {what}: answer is not JSON") from None

    @staticmethod
    def _error(what: str, code: int, body) -> ProviderError:
        err = body.get("code") if isinstance(body, dict) else None
        return ProviderError(f"WeChat Pay {what} refused: HTTP {code} {err or ''}".strip(), code=err)

    def create_order(self, order_id: str, amount_fen: int, pay_secret: str, *, description: str = "",
                     expires_at: dt.datetime | None = None) -> ProviderOrder:
        code, body = self._call("order", self.sdk.pay, description=description or "不动产登记税费",
                                out_trade_no=order_id, amount={"total": int(amount_fen), "currency": "CNY"},
                                time_expire=_beijing(expires_at) if expires_at else None)
        if code != 200 or not isinstance(body, dict) or not body.get("code_url"):
            raise self._error("order", code, body)
        return ProviderOrder(pay_url=body["code_url"], provider_ref=order_id)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification:
        headers = {k.lower(): v for k, v in headers.items()}
        try:
            timestamp = int(headers.get("wechatpay-timestamp", ""))
        except ValueError:
            raise NotificationRejected("no signature timestamp") from None
        if abs(self._clock() - timestamp) > REPLAY_WINDOW_S:
            raise NotificationRejected("signature timestamp outside the replay window")
        if not headers.get("wechatpay-nonce") or not headers.get("wechatpay-serial"):
            raise NotificationRejected("signature headers missing")
        try:
            result = self.sdk.callback(headers, body)
        except ProviderError:
            raise
        except Exception as exc:
            raise NotificationRejected(f"not verifiable ({type(exc).__name__})") from None
        if not result:
            raise NotificationRejected("bad signature or undecryptable resource")
        resource = result.get("resource") or {}
        if result.get("event_type") != "TRANSACTION.SUCCESS" or resource.get("trade_state") != "SUCCESS":
            raise NotificationRejected(f"not a payment success ({result.get('event_type')})")
        if resource.get("mchid") != self.config.mchid or resource.get("appid") != self.config.appid:
            raise NotificationRejected("notification for another merchant")
        try:
            order_id = str(resource["out_trade_no"])
            amount = int(resource["amount"]["total"])
        except (KeyError, TypeError, ValueError):
            raise NotificationRejected("malformed resource") from None
        return PaymentNotification(order_id=order_id, provider_ref=order_id, outcome="paid", amount_fen=amount,
                                   transaction_id=str(resource.get("transaction_id") or ""),
                                   paid_at=_parse_time(resource.get("success_time")))

    # -- the aggregated code: JSAPI payment inside WeChat's own browser ------------------------------------------
    def oauth_url(self, redirect_uri: str, state: str) -> str:
        """Where WeChat's browser is sent for the payer's openid (snsapi_base: silent, no consent page)."""
        from urllib.parse import urlencode

        query = urlencode({"appid": self.config.appid, "redirect_uri": redirect_uri, "response_type": "code",
                           "scope": "snsapi_base", "state": state})
        return f"{self.config.oauth_base.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"

    def openid(self, code: str) -> str:
        """The OAuth step's code exchanged for the payer's openid (official account AppSecret)."""
        import requests

        if not self.config.app_secret:
            raise ProviderError("WeChat OAuth: no app_secret configured")
        try:
            answer = requests.get(f"{self.config.sns_base.rstrip('/')}/sns/oauth2/access_token",
                                  params={"appid": self.config.appid, "secret": self.config.app_secret,
                                          "code": code, "grant_type": "authorization_code"},
                                  timeout=self.config.timeout_s).json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(f"WeChat OAuth failed: {type(exc).__name__}") from None
        if not isinstance(answer, dict) or not answer.get("openid"):
            code_ = str(answer.get("errcode", "")) if isinstance(answer, dict) else ""
            raise ProviderError(f"WeChat OAuth refused: {code_}".strip(), code=code_ or None)
        return str(answer["openid"])

    def jsapi_order(self, order_id: str, amount_fen: int, openid: str, *, description: str = "",
                    expires_at: dt.datetime | None = None, nonce: str | None = None) -> dict:
        """A JSAPI prepay for `openid`, and the parameters WeixinJSBridge's getBrandWCPayRequest takes, their
        paySign made with the merchant key (RSA-SHA256 over appId, timeStamp, nonceStr and package)."""
        import secrets as _secrets

        from wechatpayv3 import WeChatPayType

        code, body = self._call("JSAPI order", self.sdk.pay, description=description or "不动产登记税费",
                                out_trade_no=order_id, amount={"total": int(amount_fen), "currency": "CNY"},
                                payer={"openid": openid}, pay_type=WeChatPayType.JSAPI,
                                time_expire=_beijing(expires_at) if expires_at else None)
        if code != 200 or not isinstance(body, dict) or not body.get("prepay_id"):
            raise self._error("JSAPI order", code, body)
        timestamp, nonce = str(int(self._clock())), nonce or _secrets.token_hex(16)
        package = f"prepay_id={body['prepay_id']}"
        try:
            pay_sign = self.sdk.sign([self.config.appid, timestamp, nonce, package])
        except Exception as exc:
            raise ProviderError(f"WeChat Pay paySign failed: {type(exc).__name__}") from None
        return {"appId": self.config.appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package,
                "signType": "RSA", "paySign": pay_sign}

    def close(self, order_id: str) -> str:
        """Closes an unpaid order (superseded): 'closed', or 'paid' when the money came first, 'not_found'."""
        code, body = self._call("close", self.sdk.close, out_trade_no=order_id)
        if code in (200, 204):
            return "closed"
        err = body.get("code") if isinstance(body, dict) else None
        if err == "ORDERPAID":
            return "paid"
        if code == 404 or err == "ORDER_NOT_EXIST":
            return "not_found"
        raise self._error("close", code, body)

    @staticmethod
    def notification_id(body: bytes) -> str | None:
        """WeChat Pay's id of a notification (the same on each retry of it)."""
        try:
            return str(json.loads(body).get("id") or "") or None
        except (ValueError, AttributeError):
            return None

    def ack(self, ok: bool, message: str = "") -> NotificationAck:
        if ok:
            return NotificationAck(200, json.dumps({"code": "SUCCESS", "message": "成功"}).encode())
        return NotificationAck(400, json.dumps({"code": "FAIL", "message": message or "失败"}).encode())

    def query(self, order_id: str) -> ProviderTrade | None:
        code, body = self._call("query", self.sdk.query, out_trade_no=order_id)
        if code == 404 or (isinstance(body, dict) and body.get("code") == "ORDER_NOT_EXIST"):
            return ProviderTrade(state="not_found")
        if code != 200 or not isinstance(body, dict):
            raise self._error("query", code, body)
        if body.get("mchid") != self.config.mchid or body.get("out_trade_no") != order_id:
            raise ProviderError("WeChat Pay query answered for another order")
        state = TRADE_STATES.get(body.get("trade_state"), "pending")
        amount = (body.get("amount") or {}).get("total")
        return ProviderTrade(state=state, amount_fen=int(amount) if amount is not None else None,
                             transaction_id=body.get("transaction_id"),
                             paid_at=_parse_time(body.get("success_time")))

    def refund(self, order_id: str, refund_id: str, amount_fen: int, total_fen: int, reason: str) -> ProviderRefund:
        code, body = self._call("refund", self.sdk.refund, out_refund_no=refund_id, out_trade_no=order_id,
                                amount={"refund": int(amount_fen), "total": int(total_fen), "currency": "CNY"},
                                reason=reason[:80])
        if code != 200 or not isinstance(body, dict) or body.get("status") not in ("SUCCESS", "PROCESSING"):
            raise self._error("refund", code, body)
        return ProviderRefund(refund_ref=str(body.get("refund_id") or ""),
                              state="done" if body["status"] == "SUCCESS" else "processing")

    def bill(self, day: dt.date) -> list[BillLine] | None:
        code, body = self._call("trade bill", self.sdk.trade_bill, bill_date=day.isoformat())
        if code == 400 and isinstance(body, dict) and body.get("code") == "NO_STATEMENT_EXIST":
            return []  # no payment that day
        if code != 200 or not isinstance(body, dict) or not body.get("download_url"):
            raise self._error("trade bill", code, body)
        # The file itself is not signed: its SHA-1 is, in the (verified) answer above.
        dl_code, content = self._call("bill download", self.sdk.download_bill, url=body["download_url"])
        if dl_code != 200 or not isinstance(content, bytes):
            raise self._error("bill download", dl_code, content)
        if body.get("hash_type") == "SHA1" and not hmac.compare_digest(hashlib.sha1(content).hexdigest(),
                                                                        str(body.get("hash_value", "")).lower()):
            raise ProviderError("WeChat Pay bill: the file does not match its signed hash")
        try:
            text = gzip.decompress(content).decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise ProviderError("WeChat Pay bill: not a gzip'd UTF-8 statement") from None
        return parse_trade_bill(text)


def parse_trade_bill(text: str) -> list[BillLine]:
    """The trade bill's CSV: a header row, one row per payment or refund with every value prefixed by a backtick,
    then a summary. Columns used: 微信订单号, 商户订单号, 交易状态, 应结订单金额 (yuan), 退款金额."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [h.strip() for h in lines[0].split(",")]
    try:
        col = {name: header.index(name) for name in ("微信订单号", "商户订单号", "交易状态", "应结订单金额")}
    except ValueError:
        raise ProviderError("WeChat Pay bill: unexpected columns") from None
    out = []
    for line in lines[1:]:
        if not line.startswith("`"):
            break  # the summary block
        values = [v.lstrip("`") for v in line.split(",`")]
        values[0] = values[0].lstrip("`")
        state = values[col["交易状态"]]
        out.append(BillLine(order_id=values[col["商户订单号"]], transaction_id=values[col["微信订单号"]],
                            amount_fen=_fen(values[col["应结订单金额"]]),
                            state="refunded" if state == "REFUND" else "paid"))
    return out


def _fen(yuan: str) -> int:
    from decimal import Decimal

    return int((Decimal(yuan) * 100).to_integral_value())
