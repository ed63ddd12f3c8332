"""A WeChat Pay API v3 simulator: checks the merchant's request signatures, signs every answer with its platform key,
serves its platform certificate (AES-256-GCM encrypted), Native and JSAPI orders, query, close, refund, the trade bill,
and sends AES-256-GCM encrypted, signed notifications (or repeats, reorders or loses them, as told). For the aggregated
code it also plays WeChat itself: the official account's OAuth step (authorize redirect, code -> openid) and the
WeChat app on the phone (opens the code with WeChat's User-Agent, checks the paySign, pays the JSAPI order)."""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding

from tests.gateway.payment_providers.base import (QuietHandler, SimulatorServer, new_rsa_key, post,
                                                  rsa_sha256_sign, rsa_sha256_verify, self_signed_cert)

BEIJING = dt.timezone(dt.timedelta(hours=8))
AUTH = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class SimOrder:
    out_trade_no: str
    total: int
    description: str
    notify_url: str
    state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: str | None = None
    refunded: int = 0
    refunds: dict = field(default_factory=dict)
    trade_type: str = "NATIVE"
    openid: str | None = None
    prepay_id: str | None = None


WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2219A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230303 MMWEBID/4491 "
             "MicroMessenger/8.0.34.2340(0x28002237) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64")


class WeChatPaySimulator:
    def __init__(self, *, mchid: str, appid: str, merchant_public_key, merchant_serial: str, apiv3_key: str,
                 app_secret: str = ""):
        self.mchid, self.appid, self.apiv3_key, self.app_secret = mchid, appid, apiv3_key, app_secret
        self.oauth_codes: dict[str, str] = {}  # code -> openid, each taken once
        self.openid = "o" + secrets.token_urlsafe(20)  # the payer signed in to WeChat on the phone
        self.merchant_public_key, self.merchant_serial = merchant_public_key, merchant_serial
        self.platform_key = new_rsa_key()
        self.platform_cert = self_signed_cert(self.platform_key, "Tenpay.com Root CA (simulated)",
                                              secrets.randbits(64) | (1 << 63))
        self.orders: dict[str, SimOrder] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of each request that passed the signature check
        self.fail_next: dict[str, tuple[int, str]] = {}  # path prefix -> (HTTP status, error code), once
        self.lock = threading.Lock()
        self.server = SimulatorServer(self, _Handler)
        self.base_url = self.server.base_url

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def __enter__(self) -> "WeChatPaySimulator":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    @property
    def platform_serial(self) -> str:
        return format(self.platform_cert.serial_number, "X")

    def platform_cert_pem(self) -> str:
        return self.platform_cert.public_bytes(Encoding.PEM).decode()

    # -- signatures --------------------------------------------------------------------------------------------
    def signed_headers(self, body: bytes, *, timestamp: int | None = None, key=None, serial: str | None = None) -> dict:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16).upper()
        message = f"{ts}\n{nonce}\n{body.decode()}\n".encode()
        signature = base64.b64encode(rsa_sha256_sign(key or self.platform_key, message)).decode()
        return {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
                "Wechatpay-Serial": serial or self.platform_serial,
                "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}

    def check_request(self, method: str, path: str, body: bytes, authorization: str) -> str | None:
        """None if the merchant's Authorization header is right, else the error code."""
        if not authorization.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return "SIGN_ERROR"
        fields = dict(AUTH.findall(authorization))
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial:
            return "SIGN_ERROR"
        try:
            if abs(int(fields["timestamp"]) - time.time()) > 300:
                return "SIGN_ERROR"
            message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body.decode()}\n".encode()
            ok = rsa_sha256_verify(self.merchant_public_key, base64.b64decode(fields["signature"]), message)
        except (KeyError, ValueError):
            return "SIGN_ERROR"
        return None if ok else "SIGN_ERROR"

    # -- the payer ---------------------------------------------------------------------------------------------
    def pay(self, out_trade_no: str, *, notify: bool = True, amount: int | None = None) -> tuple[int, bytes] | None:
        """The payer scans and pays. notify=False: the notification is lost (never sent)."""
        with self.lock:
            order = self.orders[out_trade_no]
            if order.state != "NOTPAY":
                raise RuntimeError(f"order {out_trade_no} is {order.state}")
            order.state = "SUCCESS"
            order.transaction_id = "4200" + "".join(secrets.choice("0123456789") for _ in range(24))
            order.success_time = dt.datetime.now(BEIJING).replace(microsecond=0).isoformat()
            if amount is not None:
                order.total = amount
        if not notify:
            return None
        return self.deliver(*self.notification(out_trade_no))

    # -- the WeChat app on the payer's phone (the aggregated code) ------------------------------------------------
    def open_code(self, url: str, *, user_agent: str = WECHAT_UA):
        """Opens the kiosk's code in WeChat's browser: the gateway's page, the OAuth redirect through this simulator
        and back (redirects followed as the browser does). Returns the last answer (requests.Response)."""
        import requests

        return requests.get(url, headers={"User-Agent": user_agent}, timeout=10)

    @staticmethod
    def jsapi_params(page: str) -> dict:
        """The getBrandWCPayRequest parameters the page hands WeixinJSBridge."""
        match = re.search(r'<script type="application/json" id="wxpay-params">(.*?)</script>', page, re.S)
        if match is None:
            raise AssertionError("no WeixinJSBridge parameters on the page")
        return json.loads(match.group(1))

    def bridge_pay(self, params: dict, *, notify: bool = True) -> tuple[int, bytes] | None:
        """What WeixinJSBridge.invoke('getBrandWCPayRequest') does: WeChat checks the merchant's paySign over appId,
        timeStamp, nonceStr and package, that the prepay belongs to this payer, then the payer pays."""
        message = "\n".join([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]) + "\n"
        if params.get("signType") != "RSA" or params["appId"] != self.appid or not rsa_sha256_verify(
                self.merchant_public_key, base64.b64decode(params["paySign"]), message.encode()):
            raise RuntimeError("get_brand_wcpay_request:fail (paySign does not verify)")
        prepay_id = params["package"].removeprefix("prepay_id=")
        order = next((o for o in self.orders.values() if o.prepay_id == prepay_id), None)
        if order is None or order.openid != self.openid:
            raise RuntimeError("get_brand_wcpay_request:fail (unknown prepay)")
        return self.pay(order.out_trade_no, notify=notify)

    def resource(self, order: SimOrder) -> dict:
        return {"mchid": self.mchid, "appid": self.appid, "out_trade_no": order.out_trade_no,
                "transaction_id": order.transaction_id, "trade_type": order.trade_type, "trade_state": order.state,
                "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
                "success_time": order.success_time, "payer": {"openid": order.openid or "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                "amount": {"total": order.total, "payer_total": order.total, "currency": "CNY",
                           "payer_currency": "CNY"}}

    def notification(self, out_trade_no: str, *, notification_id: str | None = None, timestamp: int | None = None,
                     apiv3_key: str | None = None, sign_key=None, resource: dict | None = None) -> tuple[bytes, dict, str]:
        """A TRANSACTION.SUCCESS notification: (body, headers, notify_url). A retry keeps the id, new signature."""
        order = self.orders[out_trade_no]
        plain = json.dumps(resource or self.resource(order), ensure_ascii=False).encode()
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM((apiv3_key or self.apiv3_key).encode()).encrypt(nonce.encode(), plain, b"transaction")
        body = json.dumps({
            "id": notification_id or f"EV-{hashlib.sha256(out_trade_no.encode()).hexdigest()[:20]}",
            "create_time": dt.datetime.now(BEIJING).replace(microsecond=0).isoformat(),
            "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(ciphertext).decode(), "associated_data": "transaction",
                         "nonce": nonce}}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", **self.signed_headers(body, timestamp=timestamp,
                                                                            key=sign_key)}
        return body, headers, order.notify_url

    @staticmethod
    def deliver(body: bytes, headers: dict, url: str) -> tuple[int, bytes]:
        return post(url, body, headers)

    # -- statement ---------------------------------------------------------------------------------------------
    def bill_csv(self, day: dt.date) -> str:
        header = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
                  "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
                  "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
        rows = []
        for o in self.orders.values():
            if not o.transaction_id or not o.success_time or dt.date.fromisoformat(o.success_time[:10]) != day:
                continue
            yuan = f"{o.total / 100:.2f}"
            when = o.success_time[:19].replace("T", " ")
            values = [when, self.appid, self.mchid, "0", "", o.transaction_id, o.out_trade_no, "oUpF8uMu",
                      "NATIVE", "SUCCESS", "OTHERS", "CNY", yuan, "0.00", "0", "0", "0.00", "0.00", "", "",
                      o.description, "", "0.00", "0.60%", yuan, "0.00", ""]
            rows.append(",".join("`" + v for v in values))
        summary = f"总交易单数,应结订单总金额,退款总金额\n`{len(rows)},`0.00,`0.00"
        return header + "\n" + "\n".join(rows) + ("\n" if rows else "") + summary + "\n"


class _Handler(QuietHandler):
    @property
    def sim(self) -> WeChatPaySimulator:
        return self.server.sim

    def _json(self, status: int, payload: dict | None) -> None:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        # WeChat Pay signs its successful answers; errors are answered unsigned-or-signed alike (signed here).
        self.answer(status, body, self.sim.signed_headers(body))

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"code": code, "message": message})

    def _order_request(self, sim, data: dict, *, jsapi: bool = False) -> tuple | None:
        """The fields every order placement carries (out_trade_no, total, description, notify_url, and the payer's
        openid for JSAPI), or None once the merchant mismatch or the missing field is answered as WeChat does."""
        if data.get("mchid") != sim.mchid or data.get("appid") != sim.appid:
            return self._error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        try:
            return (data["out_trade_no"], int(data["amount"]["total"]), data["description"], data["notify_url"],
                    data["payer"]["openid"] if jsapi else None)
        except (KeyError, TypeError, ValueError):
            return self._error(400, "PARAM_ERROR", "参数错误")

    def do_GET(self):
        url = urlparse(self.path)
        if url.path in ("/connect/oauth2/authorize", "/sns/oauth2/access_token"):
            return self._oauth(url.path, parse_qs(url.query))
        self._dispatch("GET", b"")

    def _oauth(self, path: str, query: dict) -> None:
        """WeChat's official-account OAuth (open.weixin.qq.com / api.weixin.qq.com): no merchant signature."""
        sim = self.sim
        arg = {k: v[0] for k, v in query.items()}
        if path == "/connect/oauth2/authorize":
            if arg.get("appid") != sim.appid or arg.get("scope") not in ("snsapi_base", "snsapi_userinfo") or \
                    arg.get("response_type") != "code" or not arg.get("redirect_uri"):
                return self.answer(200, "redirect_uri 参数错误".encode(), content_type="text/html; charset=utf-8")
            code = secrets.token_urlsafe(24)
            with sim.lock:
                sim.oauth_codes[code] = sim.openid
            target = arg["redirect_uri"]
            target += ("&" if "?" in target else "?") + urlencode({"code": code, "state": arg.get("state", "")})
            return self.answer(302, b"", {"Location": target}, content_type="text/html")
        with sim.lock:
            openid = sim.oauth_codes.pop(arg.get("code", ""), None)  # a code is good once
        if arg.get("appid") != sim.appid or not sim.app_secret or arg.get("secret") != sim.app_secret:
            return self._json_plain({"errcode": 40125, "errmsg": "invalid appsecret"})
        if openid is None or arg.get("grant_type") != "authorization_code":
            return self._json_plain({"errcode": 40029, "errmsg": "invalid code"})
        return self._json_plain({"access_token": secrets.token_urlsafe(32), "expires_in": 7200,
                                 "refresh_token": secrets.token_urlsafe(32), "openid": openid, "scope": "snsapi_base"})

    def _json_plain(self, payload: dict) -> None:
        self.answer(200, json.dumps(payload).encode())

    def do_POST(self):
        self._dispatch("POST", self.read_body())

    def _dispatch(self, method: str, body: bytes) -> None:
        sim = self.sim
        error = sim.check_request(method, self.path, body, self.headers.get("Authorization", ""))
        if error:
            return self._error(401, error, "签名错误")
        for prefix, (status, code) in list(sim.fail_next.items()):
            if self.path.startswith(prefix):
                del sim.fail_next[prefix]
                return self._error(status, code, "模拟故障")
        sim.requests.append((method, self.path))
        url = urlparse(self.path)
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return self._error(400, "PARAM_ERROR", "请求体不是JSON")
        with sim.lock:
            return self._route(method, url, data)

    def _route(self, method: str, url, data: dict) -> None:
        sim = self.sim
        path, query = url.path, parse_qs(url.query)
        if method == "GET" and path == "/v3/certificates":
            nonce = secrets.token_hex(6)
            ct = AESGCM(sim.apiv3_key.encode()).encrypt(nonce.encode(), sim.platform_cert_pem().encode(),
                                                        b"certificate")
            cert = sim.platform_cert
            return self._json(200, {"data": [{
                "serial_no": sim.platform_serial, "effective_time": cert.not_valid_before_utc.isoformat(),
                "expire_time": cert.not_valid_after_utc.isoformat(),
                "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM", "nonce": nonce,
                                        "associated_data": "certificate",
                                        "ciphertext": base64.b64encode(ct).decode()}}]})
        if method == "POST" and path == "/v3/pay/transactions/native":
            placed = self._order_request(sim, data)
            if placed is None:
                return None
            out_trade_no, total, description, notify_url, _ = placed
            existing = sim.orders.get(out_trade_no)
            if existing is not None:
                if existing.state == "SUCCESS":
                    return self._error(400, "ORDERPAID", "该订单已支付")
                if existing.total != total:
                    return self._error(400, "INVALID_REQUEST", "订单号重复")
            else:
                sim.orders[out_trade_no] = SimOrder(out_trade_no, total, description, notify_url)
            return self._json(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}"})
        if method == "POST" and path == "/v3/pay/transactions/jsapi":
            placed = self._order_request(sim, data, jsapi=True)
            if placed is None:
                return None
            out_trade_no, total, description, notify_url, openid = placed
            order = sim.orders.get(out_trade_no)
            if order is not None:
                if order.state == "SUCCESS":
                    return self._error(400, "ORDERPAID", "该订单已支付")
                if order.state == "CLOSED":
                    return self._error(400, "ORDER_CLOSED", "订单已关闭")
                if order.total != total or (order.openid and order.openid != openid):
                    return self._error(400, "INVALID_REQUEST", "订单号重复")
            else:
                order = sim.orders[out_trade_no] = SimOrder(out_trade_no, total, description, notify_url,
                                                            trade_type="JSAPI")
            order.openid = openid
            order.prepay_id = order.prepay_id or "wx" + dt.datetime.now(BEIJING).strftime("%d%H%M%S") + \
                secrets.token_hex(12)
            return self._json(200, {"prepay_id": order.prepay_id})
        match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)", path)
        if method == "GET" and match:
            if query.get("mchid") != [sim.mchid]:
                return self._error(400, "PARAM_ERROR", "mchid错误")
            order = sim.orders.get(match.group(1))
            if order is None:
                return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
            out = {"appid": sim.appid, "mchid": sim.mchid, "out_trade_no": order.out_trade_no,
                   "trade_state": order.state, "trade_state_desc": order.state, "trade_type": "NATIVE"}
            if order.transaction_id:
                out.update(sim.resource(order))
                out["trade_state"] = order.state
            else:
                out["amount"] = {"total": order.total, "currency": "CNY"}
            return self._json(200, out)
        match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)/close", path)
        if method == "POST" and match:
            order = sim.orders.get(match.group(1))
            if order is None:
                return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
            if order.state == "SUCCESS":
                return self._error(400, "ORDERPAID", "订单已支付")
            order.state = "CLOSED"
            return self._json(204, None)
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            order = sim.orders.get(data.get("out_trade_no", ""))
            if order is None or not order.transaction_id:
                return self._error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
            refund_no = data.get("out_refund_no", "")
            amount = data.get("amount") or {}
            if refund_no in order.refunds:
                return self._json(200, order.refunds[refund_no])
            if amount.get("total") != order.total or int(amount.get("refund", 0)) > order.total - order.refunded:
                return self._error(400, "INVALID_REQUEST", "退款金额超过订单可退金额")
            order.refunded += int(amount["refund"])
            order.state = "REFUND"
            answer = {"refund_id": "5030" + "".join(secrets.choice("0123456789") for _ in range(24)),
                      "out_refund_no": refund_no, "transaction_id": order.transaction_id,
                      "out_trade_no": order.out_trade_no, "channel": "ORIGINAL", "status": "SUCCESS",
                      "amount": {"refund": int(amount["refund"]), "total": order.total, "currency": "CNY"}}
            order.refunds[refund_no] = answer
            return self._json(200, answer)
        if method == "GET" and path == "/v3/bill/tradebill":
            day = dt.date.fromisoformat(query["bill_date"][0])
            content = gzip.compress(sim.bill_csv(day).encode("utf-8"))
            token = secrets.token_urlsafe(8)
            sim.bills = getattr(sim, "bills", {})
            sim.bills[token] = content
            return self._json(200, {"hash_type": "SHA1", "hash_value": hashlib.sha1(content).hexdigest(),
                                    "download_url": f"{sim.base_url}/v3/billdownload/file?token={token}"})
        if method == "GET" and path == "/v3/billdownload/file":
            content = getattr(sim, "bills", {}).get(query.get("token", [""])[0])
            if content is None:
                return self._error(404, "RESOURCE_NOT_EXISTS", "账单不存在")
            return self.answer(200, content, content_type="application/octet-stream")
        return self._error(404, "NOT_FOUND", "无此接口")
