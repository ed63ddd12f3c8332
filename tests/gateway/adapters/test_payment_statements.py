"""The providers' statements as files: WeChat Pay's backtick CSV trade bill and Alipay's zipped GBK detail CSV,
parsed into bill lines (payments and refunds); anything else is refused with one line."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from gateway.adapters.alipay_f2f import parse_bill_zip
from gateway.adapters.payment import BillLine, ProviderError
from gateway.adapters.wechat_pay import parse_trade_bill
from tests.gateway.payment_providers.alipay_sim import AlipaySimulator, SimTrade
from tests.gateway.payment_providers.base import new_rsa_key

WECHAT_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
                 "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
                 "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")


def _wechat_row(transaction, order, state, amount):
    values = ["2026-12-02 10:00:00", "wx1", "1900000109", "0", "", transaction, order, "o", "NATIVE", state, "OTHERS",
              "CNY", amount, "0.00", "0", "0", "0.00", "0.00", "", "", "契税", "", "0.00", "0.60%", amount, "0.00", ""]
    return ",".join("`" + v for v in values)


def test_the_wechat_trade_bill_gives_one_line_per_payment():
    text = "\n".join([WECHAT_HEADER, _wechat_row("4200001", "PO1", "SUCCESS", "52580.00"),
                      _wechat_row("4200002", "PO2", "REFUND", "80.00"),
                      "总交易单数,应结订单总金额,退款总金额", "`2,`52660.00,`80.00"])
    assert parse_trade_bill(text) == [BillLine("PO1", "4200001", 5_258_000, "paid"),
                                      BillLine("PO2", "4200002", 8_000, "refunded")]
    assert parse_trade_bill("") == []


def test_a_wechat_bill_with_other_columns_is_refused():
    with pytest.raises(ProviderError, match="unexpected columns"):
        parse_trade_bill("a,b,c\n`1,`2,`3")


def test_the_alipay_bill_gives_payments_and_refunds():
    with AlipaySimulator(app_id="2021", seller_id="2088", app_public_key=new_rsa_key().public_key()) as sim:
        sim.trades["PO1"] = SimTrade("PO1", "525.80", "契税", "", status="TRADE_SUCCESS", trade_no="2026120222001",
                                     gmt_payment="2026-12-02 10:00:00", refunded={"RF1": "525.80"})
        lines = parse_bill_zip(sim.bill_zip(dt.date(2026, 12, 2)))
    assert lines == [BillLine("PO1", "2026120222001", 52_580, "paid"), BillLine("PO1", "2026120222001", 52_580,
                                                                                  "refunded")]


def test_an_alipay_bill_that_is_not_a_zip_is_refused():
    with pytest.raises(ProviderError, match="not a zip of a GBK statement"):
        parse_bill_zip(b"<html>error</html>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x_业务明细.csv", "支付宝交易号,其他\n1,2\n".encode("gbk"))
    with pytest.raises(ProviderError, match="unexpected columns"):
        parse_bill_zip(buffer.getvalue())
