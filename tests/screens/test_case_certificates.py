"""The case list says how each certificate is received and a courier parcel's tracking, in a registration hall's
words, in both languages (screens.cases); the gateway's JSON reaches kiosk.cases."""
from __future__ import annotations

import pytest

from kiosk.cases import Case

CASE = {"case_id": "BDC2026010006", "kind": "transfer", "title": "存量房转移登记", "status": "certificate_ready",
        "received_on": "2026-11-16", "deadline": "2026-11-30", "working_days_left": 2, "extension_reason": None,
        "next_action": None, "timeline": [], "restrictions": [],
        "certificates": [
            {"copy_id": "BDC2026010006-1", "status": "ready", "receive_method": "window", "shipments": []},
            {"copy_id": "BDC2026010006-2", "status": "dispatched", "receive_method": "courier",
             "shipments": [{"waybill": "EA*******89CN", "status": "in_transit",
                            "steps": [{"status": "created", "at": "2026-12-01T01:00:00"},
                                      {"status": "in_transit", "at": "2026-12-02T17:00:00"}]}]},
            {"copy_id": "BDC2026010006-3", "status": "ready", "receive_method": None,
             "shipments": [{"waybill": "EA*******90CN", "status": "returned",
                            "steps": [{"status": "created", "at": "2026-12-01T01:00:00"},
                                      {"status": "returned", "at": "2026-12-03T01:00:00"}]}]}]}


@pytest.mark.parametrize("language, window, courier, returned", [
    ("zh", "第1本证书：到窗口领取。请带上本人身份证原件和受理回执，到大厅“发证窗口”领取。",
     "第2本证书：邮政EMS邮寄，运单号 EA*******89CN。\n物流：12-01 已下单 → 12-03 运输中",
     "第3本证书：还没有选择领证方式，可以在“打印证书”里选择。\n物流：12-01 已下单 → 12-03 已退回\n"
     "邮件已退回登记中心，证书可以重新选择领取方式。"),
    ("en", "Certificate 1: at the window. Bring your own ID card and the acceptance notice to the certificate "
           "counter in the hall.",
     "Certificate 2: by post (EMS), waybill EA*******89CN.\nTracking: 12-01 waybill created → 12-03 in transit",
     "Certificate 3: no way of receiving chosen yet; choose one under Print certificate.\n"
     "Tracking: 12-01 waybill created → 12-03 returned\n"
     "The parcel came back to the registration centre: choose again how to receive it."),
])
def test_each_certificate_is_said_with_how_it_is_received_and_its_tracking(language, window, courier, returned):
    from screens.cases import certificate_text

    copies = Case.from_json(CASE).certificates
    assert [certificate_text(c, n, language) for n, c in enumerate(copies, start=1)] == [window, courier, returned]


def test_a_case_without_certificates_says_none():
    assert Case.from_json({**CASE, "certificates": None}).certificates == ()
