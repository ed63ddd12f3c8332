"""Receipt templates: their content, and the QR codes on the rendered receipts decoded by zxing-cpp and zbar."""
from datetime import date, datetime, timezone

import jinja2
import pytest
import zxingcpp
from pyzbar import pyzbar

from kiosk.documents import receipts
from peripherals.printer.commands import build_job
from peripherals.printer.layout import Cut, QrCode, Row, Text
from peripherals.printer.render import render_receipt

OFFICE = "北京市朝阳区不动产登记中心"


def qr_texts(elements):
    image = render_receipt(build_job(elements))
    zx = sorted(r.text for r in zxingcpp.read_barcodes(image))
    zb = sorted(r.data.decode() for r in pyzbar.decode(image.convert("L")))
    assert zx == zb
    return zx


def test_payment_receipt_is_itemised_with_total_and_e_invoice_qr():
    elements = receipts.sample_payment_receipt()
    rows = {e.left: e.right for e in elements if isinstance(e, Row)}
    assert rows["契税"] == "￥45,000.00" and rows["不动产登记费"] == "￥80.00"
    assert rows["住宅专项维修资金"] == "￥12,500.00" and rows["合计"] == "￥57,580.00"
    assert rows["缴款人"] == "欧**"  # masked on paper too
    assert rows["业务类型"] == "转移登记"
    assert isinstance(elements[-1], Cut)
    assert qr_texts(elements) == ["https://gateway.example/e-invoice/PO-20261123-0001"]


def test_payment_receipt_without_e_invoice_yet_says_so():
    elements = receipts.payment_receipt(office=OFFICE, kiosk_id="k", case_id="C1", case_kind="mortgage",
                                        items=[{"name": "登记费", "amount_fen": 8000}], total_fen=8000,
                                        order_id="O1", paid_at=datetime(2026, 1, 2, 3, 4), e_invoice_url=None)
    assert not any(isinstance(e, QrCode) for e in elements)
    assert Text("电子发票开具后将以短信通知", "center") in elements


def test_items_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError, match=r"payment receipt: items do not add up to the total"):
        receipts.payment_receipt(office=OFFICE, kiosk_id="k", case_id="C1", case_kind="mortgage",
                                 items=[{"name": "登记费", "amount_fen": 8000}], total_fen=9000, order_id="O1",
                                 paid_at=datetime(2026, 1, 2), e_invoice_url=None)


def test_acceptance_notice_gives_deadline_and_reason_for_a_long_case():
    elements = receipts.acceptance_notice(office=OFFICE, case_id="BJ2026-000124", case_kind="first_registration",
                                          received_on=date(2026, 11, 23), deadline=date(2027, 1, 8),
                                          working_days=30, documents=["身份证明", "土地出让合同"],
                                          extension_reason="需实地查看", status_url="https://gw/cases/BJ2026-000124")
    rows = {e.left: e.right for e in elements if isinstance(e, Row)}
    assert rows["办结时限"] == "30个工作日" and rows["预计办结"] == "2027-01-08"
    assert Text("延长原因：需实地查看", indent=10) in elements and Text("2. 土地出让合同", indent=3) in elements
    assert qr_texts(elements) == ["https://gw/cases/BJ2026-000124"]


def test_pickup_slip_records_the_collection_without_a_reusable_code():
    elements = receipts.pickup_slip(office=OFFICE, case_id="C9", locker_id="demo-locker-01", compartment="A03",
                                    collected_at=datetime(2026, 11, 30, 10, 5, tzinfo=timezone.utc),
                                    collector="欧**", by_agent=True)
    rows = {e.left: e.right for e in elements if isinstance(e, Row)}
    assert rows["格口"] == "A03" and rows["业务编号"] == "C9"
    assert rows["领取人"] == "欧**（代理人）"
    assert "2026-11-30 18:05" in rows["领取时间"], "Beijing time (UTC+8), whatever zone the kiosk runs in"
    assert qr_texts(elements) == []  # the code is used: nothing on the slip opens a door again


@pytest.mark.parametrize("help_request, title", [(False, "排队号"), (True, "求助单")])
def test_queue_and_help_ticket(help_request, title):
    elements = receipts.queue_ticket(office=OFFICE, number="A023", service="转移登记", waiting=4,
                                     issued_at=datetime(2026, 11, 23, 9, 5), kiosk_id="demo-hall-01",
                                     help_request=help_request)
    assert Text(title, "center", bold=True) in elements
    assert Text("A023", "center", bold=True, double=True) in elements


def test_a_missing_value_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError, match=r"^'\w+' is undefined$"):  # whichever the template needs first
        receipts.render("queue_ticket", office=OFFICE)


def test_data_with_markup_characters_prints_verbatim():
    elements = receipts.queue_ticket(office="A|B @cut \\ 中心", number="1", service="x\n@cut", waiting=0,
                                     issued_at="now", kiosk_id="k")
    assert Text("A|B @cut \\ 中心", "center") in elements
    assert Row("业务", "x @cut") in elements
    assert sum(isinstance(e, Cut) for e in elements) == 1


def test_yuan():
    assert receipts.yuan(0) == "￥0.00" and receipts.yuan(123456789) == "￥1,234,567.89"
    assert receipts.yuan(-5) == "-￥0.05"
