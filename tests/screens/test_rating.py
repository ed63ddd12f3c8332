"""好差评 on the real kiosk app under Xvfb against the demo gateway: a rating of each level at the end of a service,
reasons and a call-back for the lowest, each reaching the dashboard's statistics through the outbox; screenshots in
Chinese, English and large text; no personal data in what the gateway keeps of a rating."""
from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import create_engine, text

from catalog import i18n
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, running, shot, texts
from tests.screens.test_signing import place
from tests.waiting import wait_for

pytestmark = [pytest.mark.ui, pytest.mark.slow]

OBAMA_ID = "110105196108041235"
PHONE = "13800138000"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from running(DemoStack(tmp_path_factory.mktemp("rating"), config_extra={"session": {"done_timeout_s": 60}}))


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    extra = {"ui": {"large_text": True, "high_contrast": True}, "session": {"done_timeout_s": 60}}
    yield from running(DemoStack(tmp_path_factory.mktemp("rating-large"), config_extra=extra, with_gateway=True))


def to_rating(stack, language="zh_CN"):
    client = stack.client
    client.wait_for_screen("attract", 60)
    if language != client.state()["language"]:
        client.tap(intent="language", arg=language)
    place(stack, "obama")
    client.wait_for_screen("menu", 30)
    client.tap(intent="service", arg="case_status")
    client.wait_for_screen("cases", 30, predicate=lambda s: "BDC" in texts(s))
    client.tap(intent="finish")
    ask = i18n.text("rating.ask", language)
    return client.wait_until(lambda s: s["screen"] == "done" and ask in texts(s) and s["settled"], 30, "the rating")


def dashboard(stack) -> dict:
    web = requests.Session()
    form = web.get(f"{stack.gateway.url}/dashboard/login", timeout=10).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    web.post(f"{stack.gateway.url}/dashboard/login", timeout=10,
             data={"username": "viewer", "password": "viewer-demo-pass", "csrf": csrf})
    return web.get(f"{stack.gateway.url}/dashboard/api/ratings", timeout=10).json()


def test_each_level_reaches_the_dashboards_statistics(stack):
    client = stack.client
    for level in (5, 4, 3, 2, 1):
        state = to_rating(stack)
        assert_fits(state)
        if level == 5:
            assert [i18n.text(f"rating.level.{n}", "zh_CN") for n in (5, 4, 3, 2, 1)] == \
                [b["text"] for b in state["buttons"] if b["intent"] == "rate"]
            shot(client, "zh_CN", "rating_ask")
        client.tap(intent="rate", arg=str(level))
        if level <= 2:
            state = client.wait_until(lambda s: i18n.text("rating.reasons", "zh_CN") in texts(s), 30, "reasons")
            client.tap(intent="rate_reason", arg="wait_long")
            client.tap(intent="rate_reason", arg="machine_fault")
            state = client.wait_until(lambda s: s["settled"], 10, "settled")
            assert_fits(state)
            if level == 1:
                shot(client, "zh_CN", "rating_reasons")
            client.tap(intent="rate_reasons")
            client.wait_until(lambda s: i18n.text("rating.callback", "zh_CN") in texts(s), 30, "the call-back question")
            if level == 2:
                client.tap(intent="rate_callback", arg="no")
            else:
                client.tap(intent="rate_callback", arg="yes")
                client.wait_until(lambda s: i18n.text("rating.phone", "zh_CN") in texts(s), 30, "the phone pad")
                for digit in PHONE:
                    client.tap(intent="rate_phone", arg=digit)
                state = client.wait_until(lambda s: s["settled"], 10, "settled")
                assert_fits(state)
                shot(client, "zh_CN", "rating_phone")
                client.tap(intent="rate_phone", arg="ok")
        client.wait_until(lambda s: i18n.text("rating.thanks", "zh_CN") in texts(s), 30, "the thanks")
        client.tap(intent="rate_skip")
        state = client.wait_until(lambda s: i18n.text("rating.ask", "zh_CN") not in texts(s)
                                  and i18n.text("rating.thanks", "zh_CN") not in texts(s), 30, "the panel closed")
        assert i18n.text("done.take_card", "zh_CN") in texts(state)
        client.tap(intent="cancel")

    stats = wait_for(lambda: (d := dashboard(stack)) and sum(d["levels"].values()) == 5 and d, 60,
                     "five ratings at the gateway")
    assert stats["levels"] == {"5": 1, "4": 1, "3": 1, "2": 1, "1": 1}
    # groups are per hall and per Beijing day: a run across midnight Beijing time has two days of the one hall
    halls = [g for g in stats["groups"] if g["by"] == "hall"]
    assert {g["name"] for g in halls} == {"demo-hall"} and len({g["day"] for g in halls}) == len(halls)
    count = sum(g["count"] for g in halls)
    mean = sum(level * n for g in halls for level, n in ((int(k), v) for k, v in g["levels"].items())) / count
    assert (count, mean) == (5, 3.0)
    low = {r["level"]: r for r in stats["low"]}
    assert low[1]["reasons"] == ["machine_fault", "wait_long"] and low[1]["callback"] is True
    assert low[2]["callback"] is False
    engine = create_engine(f"sqlite:///{stack.gateway.database}")
    try:
        with engine.connect() as db:
            for table in ("service_ratings", "rating_callbacks", "kiosk_events", "audit_log"):
                dump = " ".join(str(r) for r in db.execute(text(f"SELECT * FROM {table}")))
                assert PHONE not in dump and OBAMA_ID not in dump and "欧阳明" not in dump, table
    finally:
        engine.dispose()
    log = stack.kiosk.log_text()
    assert PHONE not in log and OBAMA_ID not in log


def test_the_panel_in_english_and_in_large_text(stack, large):
    to_rating(stack, "en")
    state = stack.client.wait_until(lambda s: s["settled"], 10, "settled")
    assert_fits(state)
    shot(stack.client, "en", "rating_ask")
    stack.client.tap(intent="rate_skip")
    stack.client.tap(intent="cancel")
    state = to_rating(large)
    assert_fits(state)
    shot(large.client, "zh_CN", "rating_ask_large")
    large.client.tap(intent="rate", arg="2")
    state = large.client.wait_until(lambda s: i18n.text("rating.reasons", "zh_CN") in texts(s) and s["settled"], 30,
                                    "reasons")
    assert_fits(state)
    shot(large.client, "zh_CN", "rating_reasons_large")
    large.client.tap(intent="rate_skip")
    large.client.tap(intent="cancel")
