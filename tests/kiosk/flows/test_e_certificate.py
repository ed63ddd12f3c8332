"""The e-certificate flow against the real gateway: choose a case with a certificate, the link downloads both PDFs,
it leaves the screen when it expires, a new one can be asked for; a person with no certificate is told so."""
from __future__ import annotations

import threading
import time

import pytest
import requests

from gateway.routers import e_certificates as gateway_links
from kiosk import events as ev
from kiosk.flows import FlowServices
from kiosk.flows.e_certificate import ELIGIBLE_STATUSES, ECertificateFlow, LinkExpired, NothingIssued, ShowingQr
from kiosk.flows.steps import ChooseCase
from kiosk.platform_client import PlatformRejected
from kiosk.runtime import FlowContext
from tests.kiosk.flows.conftest import person_id


class Run:
    """One flow run in a thread, with the events it posts."""

    def __init__(self, platform, person: str):
        self.events: list = []
        self.cond = threading.Condition()
        self.token = platform.issue_applicant_token(person_id(person), "card_only_demo", None)
        self.ctx = FlowContext("e_certificate", self.post, threading.Event(), self.token)
        self.thread = threading.Thread(target=ECertificateFlow(platform, FlowServices()), args=(self.ctx,),
                                       daemon=True)
        self.thread.start()

    def post(self, event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def step(self):
        return next((e.step for e in reversed(self.events) if isinstance(e, ev.FlowUpdate)), None)

    def wait_step(self, step_type, after: int = 0):
        with self.cond:
            assert self.cond.wait_for(lambda: any(isinstance(e, ev.FlowUpdate) and isinstance(e.step, step_type)
                                                  for e in self.events[after:]), 20), self.events
        return self.step()

    def answer(self, action: str, value: str | None = None) -> None:
        self.ctx.inbox.put(ev.FlowAnswer(action, value))

    def finished(self) -> list[str]:
        self.thread.join(20)
        assert not self.thread.is_alive()
        return [e.outcome for e in self.events if isinstance(e, ev.FlowFinished)]


def test_choose_a_case_and_the_link_downloads_the_certificate_and_the_contract(gateway, platform):
    run = Run(platform, "obama")
    step = run.wait_step(ChooseCase)
    offered = {c.case_id: c for c in step.cases}
    assert len(offered) == 3 and {c.status for c in offered.values()} == ELIGIBLE_STATUSES
    run.answer("choose", "BDC-NOT-MINE")  # not offered: ignored
    chosen = next(c for c in offered.values() if c.status == "recorded")
    run.answer("choose", chosen.case_id)
    step = run.wait_step(ShowingQr)
    assert step.case.case_id == chosen.case_id and step.documents == ("e_certificate", "contract")
    url = step.url
    assert url.startswith(gateway.base_url + "/e-certificates/")
    assert 0 < step.expires_at - time.time() <= gateway_links.LINK_TTL_S
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "contract.pdf" in page.text
    for document in ("e-certificate.pdf", "contract.pdf"):
        pdf = requests.get(f"{url}/{document}", timeout=10)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    run.answer("done")
    assert run.finished() == ["e_certificate_done"]


def test_the_code_leaves_the_screen_when_the_link_expires_and_a_new_one_can_be_had(gateway, platform,
                                                                                   monkeypatch):
    monkeypatch.setattr(gateway_links, "LINK_TTL_S", 1)  # the gateway runs in this process
    run = Run(platform, "obama")
    step = run.wait_step(ChooseCase)
    case_id = step.cases[0].case_id
    run.answer("choose", case_id)
    first = run.wait_step(ShowingQr).url
    step = run.wait_step(LinkExpired)
    assert not hasattr(step, "url") and not hasattr(step, "expires_at"), "the expired step holds no link"
    assert requests.get(first, timeout=10).status_code == 410
    mark = len(run.events)
    run.answer("again")
    second = run.wait_step(ShowingQr, after=mark).url
    assert second != first and second.startswith(gateway.base_url + "/e-certificates/")
    run.wait_step(LinkExpired, after=mark)
    run.answer("done")
    assert run.finished() == ["e_certificate_done"]


def test_a_person_without_a_certificate_is_told_so(gateway, platform, monkeypatch):
    # The demo seed gives everyone a certificate; hide them from this run's list to see the empty step.
    real = platform.list_cases
    monkeypatch.setattr(platform, "list_cases", lambda token: tuple(
        c for c in real(token) if c.status not in ELIGIBLE_STATUSES))
    run = Run(platform, "biden")
    assert isinstance(run.wait_step(NothingIssued), NothingIssued)
    assert run.finished() == []


def test_a_refused_link_ends_the_flow_with_the_gateways_reason(gateway, platform):
    token = platform.issue_applicant_token(person_id("obama"), "card_only_demo", None)
    not_issued = next(c for c in platform.list_cases(token) if c.status == "under_review")
    with pytest.raises(PlatformRejected, match=r"This case has no certificate yet") as refused:
        platform.e_certificate_link(token, not_issued.case_id)
    assert refused.value.code == "certificate_not_issued" and refused.value.status == 409


def test_without_a_gateway_the_service_is_unavailable():
    events = []
    ctx = FlowContext("e_certificate", events.append, threading.Event(), "token")
    ECertificateFlow(None, FlowServices())(ctx)
    assert [e.outcome for e in events if isinstance(e, ev.FlowFinished)] == ["service_unavailable"]
