"""The idle warning with its countdown on the real app and the real session clock (short timeouts)."""
from __future__ import annotations

import pytest

from catalog import i18n
from kiosk_testkit.demo import demo_site_config
from kiosk_testkit.harness import KioskProcess
from tests.screens.conftest import assert_fits, texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]

IDLE_S, WARNING_S = 10, 5  # the schema's minimums


@pytest.fixture
def kiosk(tmp_path):
    config = demo_site_config(tmp_path, card_port=None,
                              extra={"session": {"idle_timeout_s": IDLE_S, "idle_warning_s": WARNING_S},
                                     "storage": {"offline_probe_s": 600}})
    with KioskProcess(config) as process:
        yield process


def test_idle_warning_counts_down_and_a_touch_keeps_the_session(kiosk):
    client = kiosk.client
    client.tap(intent="start")
    client.wait_for_screen("identify")
    state = client.wait_until(lambda s: s["overlay"] and s.get("settled"), IDLE_S + 10, "the idle warning")
    assert state["screen"] == "identify"
    assert i18n.text("idle.title", "zh_CN") in texts(state)
    assert any(t["text"].endswith("秒后将自动退出") for t in state["texts"])
    assert [b["intent"] for b in state["buttons"]] == ["continue"]
    assert_fits(state)

    client.tap(intent="continue")
    state = client.wait_until(lambda s: not s["overlay"], 5, "the warning to close")
    assert state["screen"] == "identify", "the applicant carries on where they were"

    # No answer this time: the session ends and says why.
    client.wait_until(lambda s: s["overlay"], IDLE_S + 10, "the idle warning again")
    state = client.wait_for_screen("attract", WARNING_S + 10,
                                   predicate=lambda s: i18n.text("timed_out", "zh_CN") in texts(s))
    assert not state["overlay"]
