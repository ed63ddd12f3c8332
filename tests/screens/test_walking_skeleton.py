"""The walking skeleton, end to end: a simulated ID card on a pty, the real driver, the real gateway on loopback,
the real kiosk app on a (virtual) display; the test places cards and presses buttons like an applicant.
"""
from __future__ import annotations

import time

import pytest

from kiosk.platform_client import PlatformClient
from catalog import i18n
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, shot, texts, running

pytestmark = [pytest.mark.ui, pytest.mark.slow]

OBAMA_ID = "110105196108041235"
POLL_S = 0.2  # the demo config's card_reader.poll_interval_s


def lift(stack) -> None:
    """Take the card away long enough for the reader's polling to notice (a hand is never faster than that)."""
    stack.simulator.lift()
    time.sleep(5 * POLL_S)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    demo = DemoStack(tmp_path_factory.mktemp("skeleton"))
    yield from running(demo)


@pytest.fixture
def kiosk(stack):
    """The stack at the attract screen before and after each test, with no card on the reader."""
    stack.client.wait_for_screen("attract", 30)
    yield stack
    lift(stack)
    if stack.client.state()["screen"] not in ("attract", "out_of_service"):
        stack.client.post("CancelRequested")
    stack.client.wait_for_screen("attract", 30)


def gateway_case_ids(stack, id_number: str) -> list[str]:
    """What the gateway says this person's cases are, asked directly with the kiosk's own credentials."""
    credentials = stack.gateway.credentials("hall")
    client = PlatformClient(stack.gateway.url, credentials["api_key"], kiosk_id=credentials["kiosk_id"])
    try:
        token = client.issue_applicant_token(id_number, "card_only_demo", None)
        return [case.case_id for case in client.list_cases(token)]
    finally:
        client.close()


def test_card_on_reader_shows_that_persons_cases(kiosk):
    client = kiosk.client
    kiosk.simulator.place("obama")
    state = client.wait_for_screen("menu", 30)
    shown = texts(state)
    assert i18n.text("menu.greeting", "zh_CN", name="欧**") in shown
    assert "欧阳明" not in shown and OBAMA_ID not in shown, "name and ID number are masked on screen"

    client.tap(intent="service", arg="case_status")
    expected = gateway_case_ids(kiosk, OBAMA_ID)
    assert expected, "the demo seed gives this person cases"
    state = client.wait_for_screen("cases", 30, predicate=lambda s: i18n.text(
        "cases.count", "zh_CN", count=len(expected)) in texts(s))
    assert_fits(state)
    shown = texts(state)
    for case_id in expected:
        assert i18n.text("cases.case_id", "zh_CN", case_id=case_id) in shown
    shot(client, "zh_CN", "skeleton_cases")

    client.tap(intent="back")
    client.wait_for_screen("menu")
    client.tap(intent="service", arg="case_status")
    client.wait_for_screen("cases")
    client.tap(intent="finish")
    state = client.wait_for_screen("done", predicate=lambda s: s["overlay"])
    assert i18n.text("rating.ask", "zh_CN") in texts(state), "the service ends with the 好差评 question"
    client.tap(intent="rate_skip")
    state = client.wait_for_screen("done", predicate=lambda s: not s["overlay"])
    assert i18n.text("done.take_card", "zh_CN") in texts(state)
    client.tap(intent="cancel")
    state = client.wait_for_screen("attract")
    assert "欧**" not in texts(state)


def test_expired_card_is_refused_in_plain_words(kiosk):
    client = kiosk.client
    kiosk.simulator.place("lin_manuel_miranda")
    state = client.wait_for_screen("identify", 30, predicate=lambda s: i18n.text("card_expired", "zh_CN")
                                   in texts(s))
    assert_fits(state)


def test_another_card_replaces_the_previous_applicant(kiosk):
    client = kiosk.client
    kiosk.simulator.place("obama")
    client.wait_for_screen("menu", 30, predicate=lambda s: "您好，欧**" in texts(s))
    lift(kiosk)
    kiosk.simulator.place("biden")
    state = client.wait_for_screen("menu", 30, predicate=lambda s: "您好，白**" in texts(s))
    assert "欧**" not in texts(state)


def test_unplugged_reader_closes_the_kiosk_until_it_returns(kiosk):
    client = kiosk.client
    kiosk.simulator.unplug()
    try:
        state = client.wait_for_screen("out_of_service", 30)
        shown = texts(state)
        assert i18n.text("device_unavailable", "zh_CN") in shown
        assert i18n.text("out_of_service.devices", "zh_CN", devices=i18n.text("device.card_reader", "zh_CN")) \
            in shown
        assert_fits(state)
        shot(client, "zh_CN", "out_of_service_reader_unplugged")
    finally:
        kiosk.simulator.plug()
    client.wait_for_screen("attract", 30)


def test_a_finger_drag_scrolls_to_the_last_case(kiosk):
    client = kiosk.client
    kiosk.simulator.place("obama")
    client.wait_for_screen("menu", 30)
    client.tap(intent="service", arg="case_status")
    state = client.wait_for_screen("cases", 30, predicate=lambda s: any(t["text"].startswith("共 ")
                                                                        for t in s["texts"]))
    ids = [t for t in state["texts"] if t["text"].startswith("业务编号：")]
    last = min(ids, key=lambda t: t["y"])  # the lowest case on the list
    assert last["y"] < 0, "with this many cases the last one starts below the screen"
    positions = [last["y"]]
    # On a loaded machine a drag moves the list less (Kivy sees fewer of its touch frames): allow more drags.
    for _ in range(40):
        client.checked("swipe", x=540, y=500, x2=540, y2=1500)
        time.sleep(1.0)  # the drag takes 12 frames and the list glides on a little after it
        positions.append(next(t for t in client.state()["texts"] if t["text"] == last["text"])["y"])
        if 200 < positions[-1] < 1700:
            break
    # On a busy machine Kivy may take a slow first drag for a tap (ScrollView.scroll_timeout): a later one scrolls.
    assert max(positions[1:]) > positions[0], f"a drag upwards moves the list up: {positions}"
    assert 200 < positions[-1] < 1700, f"the last case can be brought into view with a finger: {positions}"
    shot(client, "zh_CN", "skeleton_cases_scrolled")
