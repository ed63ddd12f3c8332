"""The "other" reason of a staff-assisted check typed on the large pinyin keyboard: the real kiosk app under Xvfb
(face on a file camera that fails, the ID card simulator for the staff card and the applicant's), the demo gateway
storing the words with the audited check; nothing typed is refused on the kiosk; the words reach no log line."""
from __future__ import annotations

import cv2
import pytest
from sqlalchemy import select

from catalog import i18n
from gateway.models import AuditEntry
from gateway.staff_assist import DEMO_STAFF, StaffAssistedCheck
from kiosk_testkit.demo import DemoStack
from tests.kiosk.identity.conftest import still_frame
from tests.screens.conftest import assert_fits, running, shot, texts
from tests.screens.test_certificate_print import type_pinyin
from tests.screens.test_elderly_mode import set_mode
from tests.screens.test_signing import place
from tests.screens.test_staff_assisted import OBAMA_ID, db_rows

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, faces_dir):
    workdir = tmp_path_factory.mktemp("staff-assist-other")
    photo = workdir / "held_up.png"
    cv2.imwrite(str(photo), still_frame(faces_dir, "biden_2.jpg"))
    extra = {"identity": {"method": "face", "max_attempts": 1, "attempt_time_s": 4, "liveness_checks": ["turn"]},
             "devices": {"camera": {"enabled": True, "source": str(photo), "fps": 5}},
             "session": {"done_timeout_s": 60}}
    yield from running(DemoStack(workdir, config_extra=extra))


def t(key, language="zh_CN", **values):
    return i18n.text(key, language, **values)


def test_other_reason_typed_in_pinyin_is_stored_with_the_audited_check(stack):
    client = stack.client
    client.wait_for_screen("attract", 60)
    place(stack, "obama")
    client.wait_for_screen("done", 180, predicate=lambda s: s["settled"] and t("assist.offer") in texts(s))
    client.tap(intent="staff_assist")
    client.wait_until(lambda s: s["settled"] and t("help.coming") in texts(s), 60, "staff called")
    client.tap(intent="help_close")
    client.wait_for_screen("staff_assist", 60, predicate=lambda s: s["settled"] and t("assist.credential") in texts(s))
    place(stack, "alex_lacamoire")
    client.wait_until(lambda s: s["settled"] and t("assist.pin") in texts(s), 60, "the staff PIN pad")
    for digit in DEMO_STAFF["pin"]:
        client.tap(intent="assist_pin", arg=digit)
    client.tap(intent="assist_pin", arg="ok")
    client.wait_until(lambda s: s["settled"] and t("assist.applicant_card") in texts(s), 60, "the applicant's card")
    place(stack, "obama")
    client.wait_until(lambda s: s["settled"] and t("assist.confirm") in texts(s), 60, "the confirm page")
    prompt = t("assist.other_prompt", count=40)
    # Large text first; the mode switch redraws every screen, and the keyboard page keeps what was typed.
    set_mode(client, True)
    client.wait_until(lambda s: s["settled"] and t("assist.confirm") in texts(s), 30, "large confirm page")
    assert client.tap(intent="assist_other", arg="open")["ok"]
    client.wait_until(lambda s: s["settled"] and prompt in texts(s), 30, "the large keyboard page")
    type_pinyin(client, "shou", "手")
    state = client.wait_until(lambda s: s["settled"] and any("手" in x["text"] and "|" in x["text"]
                                                             for x in s["texts"]), 20, "large text typed")
    assert_fits(state)
    shot(client, "zh_CN", "assist_other_keyboard_large")
    set_mode(client, False)
    state = client.wait_until(lambda s: s["settled"] and prompt in texts(s) and any(
        "手" in x["text"] and "|" in x["text"] for x in s["texts"]), 30, "the keyboard page at normal size, 手 kept")
    assert_fits(state)
    client.tap(intent="assist_other", arg="back")  # back to the reasons: the words are dropped
    client.wait_until(lambda s: s["settled"] and t("assist.confirm") in texts(s), 30, "the confirm page again")
    assert client.tap(intent="assist_other", arg="open")["ok"]
    state = client.wait_until(lambda s: s["settled"] and prompt in texts(s), 30, "the keyboard page")
    assert not any("手" in x["text"] for x in state["texts"]), "reopened empty"
    client.tap(intent="assist_reason", arg="other")  # nothing typed: said on the kiosk, nothing sent
    client.wait_until(lambda s: s["settled"] and t("reason_text_required") in texts(s), 30, "words required")
    assert db_rows(stack, select(StaffAssistedCheck)) == []
    type_pinyin(client, "shou", "手")
    type_pinyin(client, "shoushang", "受伤")
    client.wait_until(lambda s: any("手受伤" in x["text"] for x in s["texts"]), 20, "the typed words")
    state = client.state()
    assert_fits(state)
    shot(client, "zh_CN", "assist_other_keyboard")
    client.tap(intent="language", arg="en")  # a redraw in English keeps the words
    state = client.wait_until(lambda s: s["language"] == "en" and s["settled"] and any(
        "手受伤" in x["text"] for x in s["texts"]) and t("assist.other_send", "en") in texts(s), 20, "English")
    assert_fits(state)
    shot(client, "en", "assist_other_keyboard")
    client.tap(intent="assist_reason", arg="other")

    client.wait_for_screen("menu", 60)
    [check] = db_rows(stack, select(StaffAssistedCheck))
    assert (check.staff_id, check.reason, check.reason_text) == ("demo-staff-01", "other", "手受伤")
    [audited] = db_rows(stack, select(AuditEntry).where(AuditEntry.action == "staff_assisted_verification"))
    assert audited.detail == {"staff_id": "demo-staff-01", "reason": "other", "reason_text": "手受伤"}
    log = stack.kiosk.log_text()
    assert "手受伤" not in log and OBAMA_ID not in log and DEMO_STAFF["pin"] not in log
