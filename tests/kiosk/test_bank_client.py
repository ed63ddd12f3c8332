"""The bank calls go through PlatformClient.request: its retries for calls harmless to repeat, its error mapping."""
from __future__ import annotations

import pytest

from kiosk.bank_client import BankClient
from kiosk.platform_client import PlatformClient, PlatformRejected, PlatformUnavailable
from kiosk_testkit.demo import DemoGateway


def test_reads_and_keyed_signatures_are_retried_with_the_same_key_and_staff_token(failing_server):
    url, calls = failing_server
    bank = BankClient(PlatformClient(url, "k", timeout_s=2, retries=2, backoff_s=0.01))
    with pytest.raises(PlatformUnavailable):
        bank.prepared_applications("staff-1")
    assert [(c[0], c[1], c[3]) for c in calls] == [("GET", "/v1/bank/applications", "staff-1")] * 3
    calls.clear()
    with pytest.raises(PlatformUnavailable):
        bank.sign("staff-1", "t", "MA/1", b"png", idempotency_key="key-7")
    assert [(c[1], c[2], c[3]) for c in calls] == [("/v1/bank/applications/MA%2F1/signatures", "key-7",
                                                    "staff-1")] * 3


def test_a_pin_attempt_is_never_repeated(failing_server):
    url, calls = failing_server
    bank = BankClient(PlatformClient(url, "k", timeout_s=2, retries=2, backoff_s=0.01))
    with pytest.raises(PlatformUnavailable):
        bank.staff_sign_in("1001", "246810")
    assert len(calls) == 1 and calls[0][3] is None


@pytest.fixture(scope="module")
def bank_gateway(tmp_path_factory):
    demo = DemoGateway(tmp_path_factory.mktemp("gateway")).start()
    yield demo
    demo.stop()


def test_against_the_real_gateway_a_wrong_pin_is_refused_and_the_right_one_lists_applications(bank_gateway):
    credentials = bank_gateway.credentials("bank")
    platform = PlatformClient(bank_gateway.url, credentials["api_key"], kiosk_id=credentials["kiosk_id"])
    bank = BankClient(platform)
    try:
        with pytest.raises(PlatformRejected) as refused:
            bank.staff_sign_in("1001", "000000")
        assert refused.value.status == 401
        staff_token = bank.staff_sign_in("1001", "246810")
        assert {a["application_id"] for a in bank.prepared_applications(staff_token)} >= {"MA-DEMO-001"}
    finally:
        platform.close()
