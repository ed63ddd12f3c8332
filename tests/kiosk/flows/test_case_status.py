"""The case_status flow against the real gateway on loopback: fresh cases on entry, platform errors propagate."""
from __future__ import annotations

import threading

import pytest

from kiosk import events as ev
from kiosk.flows import default_flows
from kiosk.flows.case_status import CaseList, CaseStatusFlow
from kiosk.platform_client import PlatformClient, PlatformUnavailable
from kiosk.runtime import FlowContext
from kiosk_testkit.demo import DemoGateway, free_port


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    demo = DemoGateway(tmp_path_factory.mktemp("gateway")).start()
    yield demo
    demo.stop()


def context(token):
    posted = []
    return FlowContext("case_status", posted.append, threading.Event(), token), posted


def test_loads_the_applicants_cases(gateway):
    credentials = gateway.credentials("hall")
    client = PlatformClient(gateway.url, credentials["api_key"], kiosk_id=credentials["kiosk_id"])
    token = client.issue_applicant_token("310115194211202341", "card_only_demo", None)
    ctx, posted = context(token)
    CaseStatusFlow(client)(ctx)
    assert posted[0] == ev.FlowUpdate(CaseList())
    assert isinstance(posted[1], ev.CasesLoaded)
    assert [c.case_id for c in posted[1].cases] == [c.case_id for c in client.list_cases(token)]
    client.close()


def test_without_platform_or_token_it_only_shows_the_list(gateway):
    ctx, posted = context(None)
    CaseStatusFlow(None)(ctx)
    assert posted == [ev.FlowUpdate(CaseList())]


def test_unreachable_gateway_raises_the_platform_error():
    client = PlatformClient(f"http://127.0.0.1:{free_port()}", "key", timeout_s=1.0, retries=0)
    ctx, posted = context("token")
    with pytest.raises(PlatformUnavailable, match=r"^ConnectionError$") as caught:
        CaseStatusFlow(client)(ctx)
    assert caught.value.message_key == "platform_unavailable"
    assert posted == [ev.FlowUpdate(CaseList())]


def test_default_flows_offer_case_status():
    assert set(default_flows(None)) == {"case_status"}
