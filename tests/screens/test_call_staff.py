"""Call staff on the real kiosk app under Xvfb against the demo gateway: the title bar's button on applicant screens,
the "工作人员马上就到" notice with the request's number, the request at the gateway (no personal data in it), in
Chinese, English and large text with high contrast."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from catalog import i18n
from gateway.help_requests import HelpRequest
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, at_attract, running, shot, texts

pytestmark = pytest.mark.ui

OBAMA_ID = "110105196108041235"
LOCATION = "一楼大厅 A区 3号机"


@pytest.fixture(scope="module", params=["normal", "large-contrast"])
def stack(request, tmp_path_factory):
    extra = {"site": {"location": LOCATION}}
    if request.param == "large-contrast":
        extra["ui"] = {"large_text": True, "high_contrast": True}
    demo = DemoStack(tmp_path_factory.mktemp(f"help-{request.param}"), config_extra=extra)
    demo.variant = request.param
    yield from running(demo)


@pytest.fixture
def kiosk(stack):
    yield from at_attract(stack)


def gateway_requests(stack) -> list[HelpRequest]:
    engine = create_engine(f"sqlite:///{stack.gateway.database}")
    try:
        with sessionmaker(engine, expire_on_commit=False)() as db:
            return list(db.query(HelpRequest).order_by(HelpRequest.id))
    finally:
        engine.dispose()


def button_texts(state) -> list[str]:
    return [b["text"] for b in state["buttons"]]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_call_staff_from_the_menu_shows_the_number_and_reaches_the_gateway(kiosk, language):
    client = kiosk.client
    before = len(gateway_requests(kiosk))
    if language == "en":
        client.tap(intent="language", arg="en")
    kiosk.simulator.place("obama")
    state = client.wait_for_screen("menu", 30, predicate=lambda s: s["settled"] and s["language"] == language)
    assert i18n.text("help.call", language) in button_texts(state)
    assert_fits(state)
    shot(client, language, f"help_menu_button_{kiosk.variant}")

    client.tap(intent="call_staff")
    coming = i18n.text("help.coming", language)
    state = client.wait_until(lambda s: s["settled"] and coming in texts(s), 30, "the staff-coming notice")
    rows = gateway_requests(kiosk)
    assert len(rows) == before + 1
    row = rows[-1]
    assert i18n.text("help.number", language, number=row.number) in texts(state)
    assert_fits(state)
    shot(client, language, f"help_coming_{kiosk.variant}")
    # What the gateway holds: the kiosk, its place, the step; nothing of the person.
    assert (row.kiosk_id, row.location, row.step) == ("demo-hall-01", LOCATION, "menu")
    stored = " ".join(str(v) for v in (row.kiosk_id, row.location, row.step, row.site_kind))
    assert OBAMA_ID not in stored and "欧" not in stored and "1235" not in stored

    client.tap(intent="help_close")
    state = client.wait_until(lambda s: coming not in texts(s) and s["screen"] == "menu", 30, "the notice closed")
    assert i18n.text("help.call", language) in button_texts(state)
    log = kiosk.kiosk.log_text()
    assert OBAMA_ID not in log and "欧阳明" not in log


def test_the_button_is_on_the_start_screen_but_not_in_maintenance_pin_pad(kiosk):
    client = kiosk.client
    state = client.state()
    assert state["screen"] == "attract"
    assert i18n.text("help.call", state["language"]) in button_texts(state)
    assert_fits(state)
