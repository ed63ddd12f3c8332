"""A face that fails three times, then a staff-assisted check, then the case list: the real kiosk app under Xvfb with
the face verifier on a file camera (someone else's photo held up: the liveness check fails every try), the ID card
simulator (the applicant's card and the demo staff member's card), and the demo gateway deciding, auditing and
counting the check per staff member."""
from __future__ import annotations

import cv2
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session as DbSession

from catalog import i18n
from gateway.models import AuditEntry
from gateway.staff_assist import DEMO_STAFF, StaffAssistedCheck
from kiosk_testkit.demo import DemoStack
from tests.kiosk.identity.conftest import still_frame
from tests.screens.conftest import assert_fits, running, shot, texts
from tests.screens.test_signing import place

pytestmark = [pytest.mark.ui, pytest.mark.slow]

OBAMA_ID = "110105196108041235"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, faces_dir):
    workdir = tmp_path_factory.mktemp("staff-assisted")
    photo = workdir / "held_up.png"
    cv2.imwrite(str(photo), still_frame(faces_dir, "biden_2.jpg"))
    extra = {"identity": {"method": "face", "max_attempts": 3, "attempt_time_s": 4, "liveness_checks": ["turn"]},
             "devices": {"camera": {"enabled": True, "source": str(photo), "fps": 5}},
             "session": {"done_timeout_s": 60}}
    yield from running(DemoStack(workdir, config_extra=extra))


def t(key, **values):
    return i18n.text(key, "zh_CN", **values)


def db_rows(stack, query):
    engine = create_engine(f"sqlite:///{stack.gateway.database}")
    try:
        with DbSession(engine) as db:
            return list(db.execute(query).scalars())
    finally:
        engine.dispose()


def test_three_failed_faces_then_staff_vouch_and_the_case_list_opens(stack):
    client = stack.client
    client.wait_for_screen("attract", 60)
    place(stack, "obama")
    client.wait_for_screen("verify", 30)
    state = client.wait_for_screen("done", 180, predicate=lambda s: s["settled"] and t("assist.offer") in texts(s))
    assert t("done.ask_staff_title") in texts(state)
    assert_fits(state)
    shot(client, "zh_CN", "assist_done_offer")

    client.tap(intent="staff_assist")
    client.wait_until(lambda s: s["settled"] and t("help.coming") in texts(s), 60, "staff called with the offer")
    client.tap(intent="help_close")
    state = client.wait_for_screen("staff_assist", 60,
                                   predicate=lambda s: s["settled"] and t("assist.credential") in texts(s))
    assert_fits(state)
    shot(client, "zh_CN", "assist_credential")

    place(stack, "alex_lacamoire")  # the demo staff member's card
    state = client.wait_until(lambda s: s["settled"] and t("assist.pin") in texts(s), 60, "the staff PIN pad")
    for digit in "000000":
        assert client.tap(intent="assist_pin", arg=digit)["ok"]
    client.tap(intent="assist_pin", arg="ok")
    client.wait_until(lambda s: s["settled"] and t("assist.applicant_card") in texts(s), 60,
                      "the applicant's card prompt")
    place(stack, "obama")
    state = client.wait_until(lambda s: s["settled"] and t("assist.confirm") in texts(s), 60, "the confirm page")
    assert "欧**" in texts(state) and OBAMA_ID not in texts(state)
    shot(client, "zh_CN", "assist_confirm")
    client.tap(intent="assist_reason", arg="elderly")
    # The wrong PIN: back to the pad, with the tries left.
    state = client.wait_until(lambda s: s["settled"] and t("wrong_pin") in texts(s), 60, "the wrong PIN message")
    assert t("staff_pin.attempts_left", count=4) in texts(state)
    assert_fits(state)
    shot(client, "zh_CN", "assist_wrong_pin")
    for digit in DEMO_STAFF["pin"]:
        client.tap(intent="assist_pin", arg=digit)
    client.tap(intent="assist_pin", arg="ok")
    client.wait_until(lambda s: s["settled"] and t("assist.confirm") in texts(s), 60, "the confirm page again")
    client.tap(intent="assist_reason", arg="elderly")

    state = client.wait_for_screen("menu", 60)
    assert "case_status" in [b["arg"] for b in state["buttons"]]
    client.tap(intent="service", arg="case_status")
    state = client.wait_for_screen("cases", 60, predicate=lambda s: s["settled"] and "BDC" in texts(s))
    assert_fits(state)
    shot(client, "zh_CN", "assist_cases")

    [check] = db_rows(stack, select(StaffAssistedCheck))
    assert (check.staff_id, check.reason, check.kiosk_id) == ("demo-staff-01", "elderly", "demo-hall-01")
    audited = db_rows(stack, select(AuditEntry).where(AuditEntry.action.in_(
        ["staff_assisted_verification", "staff_pin_wrong"])))
    assert [a.action for a in audited] == ["staff_pin_wrong", "staff_assisted_verification"]
    assert all(OBAMA_ID not in str(a.detail) and OBAMA_ID not in str(a.subject) for a in audited)
    log = stack.kiosk.log_text()
    assert OBAMA_ID not in log and DEMO_STAFF["card"] not in log and "246810" not in log
