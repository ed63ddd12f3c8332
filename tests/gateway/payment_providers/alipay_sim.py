"""An Alipay open-API simulator (gateway.do): checks the app's RSA2 request signatures, signs every answer with its own
key, face-to-face precreate, query, refund, the bill download URL and the zipped GBK statement, and sends RSA2-signed
form notifications (or repeats, reorders or loses them, as told). For the aggregated code: the mobile-site cashier
(alipay.trade.wap.pay, signed by the app), trade.close, and the Alipay app on the phone that opens the code."""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import secrets
import threading
import zipfile
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlparse

from tests.gateway.payment_providers.base import (QuietHandler, SimulatorServer, new_rsa_key, post,
                                                  rsa_sha256_sign, rsa_sha256_verify)

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _now() -> str:
    return dt.datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class SimTrade:
    out_trade_no: str
    total_amount: str  # yuan, as Alipay writes it
    subject: str
    notify_url: str
    status: str = "WAIT_BUYER_PAY"
    trade_no: str | None = None
    gmt_payment: str | None = None
    refunded: dict = None
    return_url: str = ""


ALIPAY_UA = ("Mozilla/5.0 (Linux; U; Android 13; zh-CN; V2219A Build/TP1A.220624.014) AppleWebKit/537.36 (KHTML, like "
             "Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.59 Mobile Safari/537.36 UCBS/3.22.2.59_230315204223 "
             "ChannelId(5) NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:393|0|2.75) AliApp(AP/10.3.90.8000) "
             "AlipayClient/10.3.90.8000 Language/zh-Hans useStatusBar/true isConcaveScreen/true Region/CN")


class AlipaySimulator:
    def __init__(self, *, app_id: str, seller_id: str, app_public_key):
        self.app_id, self.seller_id, self.app_public_key = app_id, seller_id, app_public_key
        self.alipay_key = new_rsa_key()
        self.trades: dict[str, SimTrade] = {}
        self.bills: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.fail_next: dict[str, tuple[str, str]] = {}  # method -> (code, sub_code), once
        self.lock = threading.Lock()
        self.server = SimulatorServer(self, _Handler)
        self.base_url = self.server.base_url
        self.gateway_url = self.base_url + "/gateway.do"

    def __enter__(self) -> "AlipaySimulator":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- signatures --------------------------------------------------------------------------------------------
    def sign(self, content: str, key=None) -> str:
        return base64.b64encode(rsa_sha256_sign(key or self.alipay_key, content.encode())).decode()

    def check_request(self, params: dict) -> bool:
        signature = params.get("sign")
        if not signature or params.get("sign_type") != "RSA2" or params.get("app_id") != self.app_id:
            return False
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
        try:
            return rsa_sha256_verify(self.app_public_key, base64.b64decode(signature), content.encode())
        except ValueError:
            return False

    def signed_answer(self, method: str, payload: dict) -> bytes:
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        key = method.replace(".", "_") + "_response"
        return f'{{"{key}":{content},"sign":"{self.sign(content)}"}}'.encode()

    # -- the Alipay app on the payer's phone (the aggregated code) -----------------------------------------------
    def open_code(self, url: str, *, user_agent: str = ALIPAY_UA):
        """Opens the kiosk's code in the Alipay app's browser: the gateway's page redirects to the cashier
        (alipay.trade.wap.pay on this simulator), which checks the app's signature and shows the trade."""
        import requests

        return requests.get(url, headers={"User-Agent": user_agent}, timeout=10)

    @staticmethod
    def cashier_trade(page: str) -> str:
        """The out_trade_no of the trade the cashier page shows."""
        import re

        match = re.search(r'data-out-trade-no="([^"]+)"', page)
        if match is None:
            raise AssertionError("not the Alipay cashier page")
        return match.group(1)

    # -- the payer ---------------------------------------------------------------------------------------------
    def pay(self, out_trade_no: str, *, notify: bool = True) -> tuple[int, bytes] | None:
        with self.lock:
            trade = self.trades[out_trade_no]
            if trade.status != "WAIT_BUYER_PAY":
                raise RuntimeError(f"trade {out_trade_no} is {trade.status}")
            trade.status = "TRADE_SUCCESS"
            trade.trade_no = dt.datetime.now(BEIJING).strftime("%Y%m%d") + "22001" + \
                "".join(secrets.choice("0123456789") for _ in range(15))
            trade.gmt_payment = _now()
        if not notify:
            return None
        return self.deliver(*self.notification(out_trade_no))

    def notification(self, out_trade_no: str, *, notify_id: str | None = None, notify_time: str | None = None,
                     key=None, **overrides) -> tuple[bytes, dict, str]:
        """A trade_status_sync notification: (form body, headers, notify_url)."""
        trade = self.trades[out_trade_no]
        fields = {"notify_time": notify_time or _now(), "notify_type": "trade_status_sync",
                  "notify_id": notify_id or f"ac05099524730693a8b330c5ecf72da9{out_trade_no[-8:]}",
                  "app_id": self.app_id, "charset": "utf-8", "version": "1.0", "trade_no": trade.trade_no,
                  "out_trade_no": trade.out_trade_no, "trade_status": trade.status,
                  "total_amount": trade.total_amount, "receipt_amount": trade.total_amount,
                  "buyer_pay_amount": trade.total_amount, "gmt_create": trade.gmt_payment,
                  "gmt_payment": trade.gmt_payment, "seller_id": self.seller_id, "subject": trade.subject,
                  "buyer_id": "2088102122524333"}
        fields.update(overrides)
        content = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
        body = urlencode({**fields, "sign_type": "RSA2", "sign": self.sign(content, key)}).encode()
        return body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, trade.notify_url

    @staticmethod
    def deliver(body: bytes, headers: dict, url: str) -> tuple[int, bytes]:
        return post(url, body, headers)

    def bill_zip(self, day: dt.date) -> bytes:
        out = io.StringIO()
        out.write("#支付宝业务明细查询\n#账号：[20880000000000000156]\n")
        out.write(f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day:%Y年%m月%d日} 23:59:59]\n")
        out.write("#-----------------------------------------业务明细列表----------------------------------------\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号", "门店名称",
                         "操作员", "终端号", "对方账户", "订单金额（元）", "商家实收（元）", "支付宝红包（元）", "集分宝（元）",
                         "支付宝优惠（元）", "商家优惠（元）", "券核销金额（元）", "券名称", "商家红包消费金额（元）",
                         "卡消费金额（元）", "退款批次号/请求号", "服务费（元）", "分润（元）", "备注"])
        for t in self.trades.values():
            if not t.trade_no or dt.date.fromisoformat(t.gmt_payment[:10]) != day:
                continue
            writer.writerow([t.trade_no + "\t", t.out_trade_no + "\t", "交易", t.subject, t.gmt_payment,
                             t.gmt_payment, "", "", "", "", "buy***@example.com", t.total_amount, t.total_amount,
                             "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", "", "-0.00", "0.00", ""])
            for request_no, amount in (t.refunded or {}).items():
                writer.writerow([t.trade_no + "\t", t.out_trade_no + "\t", "退款", t.subject, t.gmt_payment,
                                 t.gmt_payment, "", "", "", "", "buy***@example.com", "-" + amount, "-" + amount,
                                 "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", request_no, "0.00",
                                 "0.00", ""])
        out.write("#-----------------------------------------业务明细列表结束------------------------------------\n")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"20880000000000000156_{day:%Y%m%d}_业务明细.csv", out.getvalue().encode("gbk"))
            archive.writestr(f"20880000000000000156_{day:%Y%m%d}_业务明细(汇总).csv", "#汇总\n".encode("gbk"))
        return buffer.getvalue()


class _Handler(QuietHandler):
    @property
    def sim(self) -> AlipaySimulator:
        return self.server.sim

    def do_GET(self):
        url = urlparse(self.path)
        if url.path.startswith("/bill/"):
            content = self.sim.bills.get(url.path[len("/bill/"):])
            if content is None:
                return self.answer(404, b"not found", content_type="text/plain")
            return self.answer(200, content, content_type="application/zip")
        self._api(dict(parse_qsl(url.query, keep_blank_values=True)))

    def do_POST(self):
        self._api(dict(parse_qsl(self.read_body().decode("utf-8"), keep_blank_values=True)))

    def _api(self, params: dict) -> None:
        sim = self.sim
        method = params.get("method", "")
        if not sim.check_request(params):
            # A request that does not verify gets a signed business error, as Alipay answers it.
            return self._send(method, {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
                                       "sub_msg": "验签出错"})
        if method in sim.fail_next:
            code, sub_code = sim.fail_next.pop(method)
            return self._send(method, {"code": code, "msg": "Business Failed", "sub_code": sub_code,
                                       "sub_msg": "模拟故障"})
        sim.requests.append(method)
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            return self._send(method, {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter"})
        if method == "alipay.trade.wap.pay":
            return self._cashier(biz, params)
        with sim.lock:
            self._send(method, self._route(method, biz, params))

    def _cashier(self, biz: dict, params: dict) -> None:
        """The mobile-site cashier the app's browser lands on: the trade is made here (WAIT_BUYER_PAY)."""
        sim = self.sim

        def page(text: str, out_trade_no: str = "") -> None:
            attr = f' data-out-trade-no="{out_trade_no}"' if out_trade_no else ""
            self.answer(200, f"<html><body><div id=\"cashier\"{attr}>{text}</div></body></html>".encode(),
                        content_type="text/html; charset=utf-8")

        out_trade_no = biz.get("out_trade_no")
        if biz.get("product_code") != "QUICK_WAP_PAY" or not out_trade_no or not biz.get("total_amount"):
            return page("系统繁忙 (isv.missing-parameter)")
        with sim.lock:
            trade = sim.trades.get(out_trade_no)
            if trade is None:
                trade = sim.trades[out_trade_no] = SimTrade(out_trade_no, biz["total_amount"], biz.get("subject", ""),
                                                            params.get("notify_url", ""),
                                                            return_url=params.get("return_url", ""))
            elif trade.total_amount != biz["total_amount"]:
                return page("交易信息被篡改 (ACQ.CONTEXT_INCONSISTENT)")
        if trade.status != "WAIT_BUYER_PAY":
            return page(f"交易已结束 ({trade.status})")
        page(f"¥{trade.total_amount} {trade.subject}", out_trade_no)

    def _send(self, method: str, payload: dict) -> None:
        self.answer(200, self.sim.signed_answer(method or "error", payload), content_type="text/html;charset=utf-8")

    def _route(self, method: str, biz: dict, params: dict) -> dict:
        sim = self.sim
        ok = {"code": "10000", "msg": "Success"}
        not_exist = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                     "sub_msg": "交易不存在"}
        if method == "alipay.trade.precreate":
            out_trade_no = biz.get("out_trade_no")
            if not out_trade_no or not biz.get("total_amount") or not biz.get("subject"):
                return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.missing-parameter"}
            trade = sim.trades.get(out_trade_no)
            if trade is not None and trade.status != "WAIT_BUYER_PAY":
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_HAS_SUCCESS",
                        "sub_msg": "交易已被支付"}
            if trade is None:
                sim.trades[out_trade_no] = SimTrade(out_trade_no, biz["total_amount"], biz["subject"],
                                                    params.get("notify_url", ""))
            return {**ok, "out_trade_no": out_trade_no, "qr_code": f"https://qr.alipay.com/bax0{secrets.token_hex(10)}"}
        if method == "alipay.trade.query":
            trade = sim.trades.get(biz.get("out_trade_no", ""))
            if trade is None:
                return not_exist
            out = {**ok, "out_trade_no": trade.out_trade_no, "trade_status": trade.status,
                   "total_amount": trade.total_amount}
            if trade.trade_no:
                out.update(trade_no=trade.trade_no, send_pay_date=trade.gmt_payment,
                           buyer_pay_amount=trade.total_amount)
            return out
        if method == "alipay.trade.close":
            trade = sim.trades.get(biz.get("out_trade_no", ""))
            if trade is None:
                return not_exist
            if trade.status != "WAIT_BUYER_PAY":
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR",
                        "sub_msg": "交易状态不合法"}
            trade.status = "TRADE_CLOSED"
            return {**ok, "out_trade_no": trade.out_trade_no}
        if method == "alipay.trade.refund":
            trade = sim.trades.get(biz.get("out_trade_no", ""))
            if trade is None or not trade.trade_no:
                return not_exist
            trade.refunded = trade.refunded or {}
            request_no = biz.get("out_request_no") or trade.out_trade_no
            if request_no in trade.refunded:
                return {**ok, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                        "refund_fee": trade.refunded[request_no], "fund_change": "N"}
            already = sum(float(a) for a in trade.refunded.values())
            if float(biz.get("refund_amount", 0)) + already > float(trade.total_amount) + 1e-9:
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                        "sub_msg": "退款金额超限"}
            trade.refunded[request_no] = biz["refund_amount"]
            return {**ok, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                    "refund_fee": biz["refund_amount"], "fund_change": "Y"}
        if method == "alipay.data.dataservice.bill.downloadurl.query":
            day = dt.date.fromisoformat(biz["bill_date"])
            if not any(t.trade_no and t.gmt_payment.startswith(day.isoformat()) for t in sim.trades.values()):
                return {"code": "40004", "msg": "Business Failed", "sub_code": "isp.bill_not_exist",
                        "sub_msg": "账单不存在"}
            token = secrets.token_urlsafe(8)
            sim.bills[token] = sim.bill_zip(day)
            return {**ok, "bill_download_url": f"{sim.base_url}/bill/{token}"}
        return {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"}
