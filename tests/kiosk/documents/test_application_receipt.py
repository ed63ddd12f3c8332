"""The 受理回执 / 预受理通知 of a one-window application: its content from the gateway's receipt data, printed over a
real serial line to the receipt printer simulator, the bytes rendered and the QR decoded."""
from __future__ import annotations

import pytest
import zxingcpp

from kiosk.documents.application_receipt import application_receipt, print_application_receipt
from peripherals.printer.layout import QrCode, Row, Text
from peripherals.printer.receipt import ReceiptPrinter
from peripherals.printer.render import render_receipt
from peripherals.printer.simulator import ReceiptPrinterSimulator

# The shape of GET /v1/applications/{no}/receipt (gateway/application_status.receipt_json).
RECEIPT = {"application_no": "YC2026120400000007", "case_id": "YC2026120400000007", "document": "acceptance_receipt",
           "title_zh": "抵押权注销登记", "title_en": "Mortgage cancellation", "office": "北京市朝阳区不动产登记中心",
           "applicant_name_masked": "欧**", "id_number_masked": "110105********1235",
           "submitted_at": "2026-12-04T02:30:05+00:00", "received_on": "2026-12-04", "time_limit_working_days": 5,
           "deadline": "2026-12-11", "deadline_estimated": False, "deadline_from": "received_on",
           "review": "submitted",
           "materials": [{"code": "mortgage_certificate", "title_zh": "不动产登记证明（抵押）", "how": "captured",
                          "pages": 1, "title_en": "", "fetched_from": None},
                         {"code": "mortgage_release", "title_zh": "抵押权人同意注销证明", "how": "fetched",
                          "pages": None, "title_en": "", "fetched_from": "bank"}],
           "qr_url": "https://gw.example/applications/YC2026120400000007?tag=abc123"}


def test_the_receipt_carries_number_business_materials_time_limit_deadline_office_and_the_qr():
    elements = application_receipt(RECEIPT)
    rows = {e.left: e.right for e in elements if isinstance(e, Row)}
    assert elements[0].text == "受理回执"
    assert rows["受理编号"] == "YC2026120400000007" and rows["业务"] == "抵押权注销登记"
    assert rows["办理时限"] == "5个工作日" and rows["预计办结"] == "2026-12-11" and rows["受理日期"] == "2026-12-04"
    assert rows["提交时间"] == "2026-12-04 10:30"  # Beijing time, not the gateway's UTC
    assert rows["申请人"] == "欧**"
    texts = [e.text for e in elements if isinstance(e, Text)]
    assert "1. 不动产登记证明（抵押）（1页）" in texts and "2. 抵押权人同意注销证明（部门共享获取）" in texts
    assert "北京市朝阳区不动产登记中心" in texts
    assert [e.data for e in elements if isinstance(e, QrCode)] == [RECEIPT["qr_url"]]
    assert "1235" not in repr(elements)  # the ID number is not on the paper, masked or not


def test_a_pre_acceptance_notice_says_the_time_limit_runs_from_the_halls_acceptance():
    elements = application_receipt({**RECEIPT, "document": "pre_acceptance_notice", "deadline": None,
                                    "deadline_from": "hall_acceptance"})
    texts = [e.text for e in elements if isinstance(e, Text)]
    assert texts[0] == "预受理通知" and "办理时限自登记大厅受理之日起计算" in texts
    assert "预计办结" not in {e.left for e in elements if isinstance(e, Row)}


def test_incomplete_data_is_not_printed(tmp_path):
    broken = {k: v for k, v in RECEIPT.items() if k != "qr_url"}
    with pytest.raises(KeyError):
        application_receipt(broken)
    assert print_application_receipt(None, RECEIPT) is False


@pytest.fixture
def printer(tmp_path):
    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer").start()
    device = ReceiptPrinter(f"serial:{sim.path}", timeout_s=0.5, poll_interval_s=0.5)
    yield sim, device
    device.stop() if device._thread else device.connector.close()
    sim.stop()


def test_printed_over_the_serial_line_the_bytes_render_with_a_qr_that_decodes(printer, tmp_path):
    sim, device = printer
    assert print_application_receipt(device, RECEIPT) is True
    assert sim.wait_for_receipts(1)
    data = bytes(sim.receipts[0])
    assert "YC2026120400000007".encode() in data and "受理回执".encode("gb18030") in data
    image = render_receipt(data)
    image.save(tmp_path / "application-receipt.png")
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [RECEIPT["qr_url"]]
