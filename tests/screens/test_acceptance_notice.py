"""A scanned acceptance notice end to end: the QR scanner simulator on a pty sends the notice's code to the real kiosk
app; the identify screen names the case, and after the card check the case opens directly, but only for its owner."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.models import Case
from gateway.seed import demo_person
from kiosk.codes import acceptance_notice_url
from catalog import i18n
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, at_attract, running, shot, texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from running(DemoStack(tmp_path_factory.mktemp("notice"), scanner=True))


@pytest.fixture
def kiosk(stack):
    yield from at_attract(stack)


def cases_of(stack, person: str) -> list[str]:
    engine = create_engine(f"sqlite:///{stack.gateway.database}")
    try:
        with Session(engine) as db:
            return list(db.execute(select(Case.case_id).where(Case.id_number == demo_person(person).id_number)
                                   .order_by(Case.case_id)).scalars())
    finally:
        engine.dispose()


def scan_notice(stack, case_id: str, language: str = "zh_CN") -> dict:
    stack.scanner.scan(acceptance_notice_url(stack.gateway.url, case_id))
    note = i18n.text("identify.notice", language, case_id=case_id)
    return stack.client.wait_for_screen("identify", 20, predicate=lambda s: note in texts(s))


def test_the_owners_notice_opens_that_case_after_the_card_check(kiosk):
    client = kiosk.client
    obama_cases = cases_of(kiosk, "obama")
    case_id = obama_cases[1]
    state = scan_notice(kiosk, case_id)
    assert_fits(state)
    assert "欧阳明" not in texts(state) and "1101" not in texts(state), "nothing personal before the card check"
    shot(client, "zh_CN", "identify_notice")
    kiosk.simulator.place("obama")
    note = i18n.text("cases.from_notice", "zh_CN")
    state = client.wait_for_screen("cases", 30, predicate=lambda s: note in texts(s))
    assert_fits(state)
    shown = texts(state)
    assert i18n.text("cases.case_id", "zh_CN", case_id=case_id) in shown
    others = [c for c in obama_cases if c != case_id]
    assert not any(other in shown for other in others), "only the notice's case"
    shot(client, "zh_CN", "cases_from_notice")
    # Back to the menu, and the ordinary list has all of them.
    client.tap(intent="back")
    client.wait_for_screen("menu", 10)
    client.tap(intent="service", arg="case_status")
    count = i18n.text("cases.count", "zh_CN", count=len(obama_cases))
    state = client.wait_for_screen("cases", 30, predicate=lambda s: count in texts(s))
    assert note not in texts(state)


def test_someone_elses_notice_shows_the_normal_list_and_nothing_of_that_case(kiosk):
    client = kiosk.client
    obamas = cases_of(kiosk, "obama")[2]
    scan_notice(kiosk, obamas)
    kiosk.simulator.place("biden")
    count = i18n.text("cases.count", "zh_CN", count=len(cases_of(kiosk, "biden")))
    state = client.wait_for_screen("cases", 30, predicate=lambda s: count in texts(s))
    shown = texts(state)
    assert obamas not in shown and i18n.text("cases.from_notice", "zh_CN") not in shown
    assert_fits(state)


def test_a_code_that_is_not_a_notice_starts_nothing(kiosk):
    client = kiosk.client
    kiosk.scanner.scan("https://example.com/not-a-notice")
    time.sleep(1.5)
    assert client.state()["screen"] == "attract"
    # A notice still works after it: the scanner was read and left alone.
    scan_notice(kiosk, cases_of(kiosk, "obama")[0])
    client.tap(intent="cancel")
    client.wait_for_screen("attract", 10)
