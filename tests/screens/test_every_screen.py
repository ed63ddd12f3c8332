"""Every screen of the real kiosk app, in Chinese and in English: what it shows, that it fits, a screenshot of it.

The kiosk runs in a child process with no gateway and no card reader; the test presses real buttons through the
window and posts the events a card reader and the platform would post. Screenshots go to var/test-screenshots/.
"""
from __future__ import annotations

import pytest
from PIL import Image

from screens import i18n
from screens.demo import demo_site_config
from screens.harness import KioskProcess
from tests.screens.conftest import assert_fits, shot, texts

pytestmark = pytest.mark.ui

CARD = {"name": "欧阳明", "id_number": "110105196108041235", "expired": False}
EXPIRED_CARD = {"name": "林曼努", "id_number": "440305198001163458", "expired": True}


def _step(status, at, done):
    return {"status": status, "at": at, "done": done}


CASES = [
    {"case_id": "BDC2026000101", "kind": "transfer", "title": "存量房买卖转移登记", "status": "under_review",
     "received_on": "2026-11-16", "deadline": "2026-11-30", "working_days_left": 2, "extension_reason": None,
     "next_action": "wait_for_review",
     "timeline": [_step("received", "2026-11-16T09:30:00+08:00", True), _step("under_review", None, False),
                  _step("tax_assessed", None, False), _step("paid", None, False), _step("recorded", None, False),
                  _step("certificate_ready", None, False), _step("collected", None, False)]},
    {"case_id": "BDC2026000102", "kind": "first_registration", "title": "继承取得首次登记", "status": "under_review",
     "received_on": "2026-10-09", "deadline": "2026-12-18", "working_days_left": 19,
     "extension_reason": "涉及继承公证材料核查，经批准延长办理时限20个工作日", "next_action": "wait_for_review",
     "deadline_estimated": True,
     "timeline": [_step("received", "2026-10-09T10:00:00+08:00", True), _step("under_review", None, False),
                  _step("recorded", None, False), _step("certificate_ready", None, False)]},
    {"case_id": "BDC2026000103", "kind": "mortgage", "title": "抵押权首次登记", "status": "certificate_ready",
     "received_on": "2026-11-02", "deadline": None, "working_days_left": None, "extension_reason": None,
     "next_action": "collect_certificate",
     "timeline": [_step("received", "2026-11-02T09:00:00+08:00", True),
                  _step("under_review", "2026-11-03T09:00:00+08:00", True),
                  _step("recorded", "2026-11-05T15:00:00+08:00", True),
                  _step("certificate_ready", "2026-11-06T10:00:00+08:00", True), _step("collected", None, False)]},
    {"case_id": "BDC2026000104", "kind": "change", "title": "姓名变更登记", "status": "rejected",
     "received_on": "2026-11-10", "deadline": None, "working_days_left": None, "extension_reason": None,
     "rejection_reason": "申请材料不齐全：缺少原不动产权证书", "next_action": "contact_counter",
     "timeline": [_step("received", "2026-11-10T09:00:00+08:00", True),
                  _step("rejected", "2026-11-12T09:00:00+08:00", True)]},
]


class Shots:
    """Where a variant's screenshots go: var/test-screenshots/<variant>/."""

    def __init__(self, kiosk, language: str, variant: str):
        self.kiosk, self.language, self.variant = kiosk, language, variant

    def __iter__(self):  # tests unpack (kiosk, language)
        return iter((self.kiosk, self.language))


VARIANTS = {
    "zh_CN": ("zh_CN", {}),
    "en": ("en", {}),
    # The largest type and the high-contrast colours must fit too.
    "zh_CN-large-contrast": ("zh_CN", {"large_text": True, "high_contrast": True}),
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def ui(request, tmp_path_factory):
    language, ui_options = VARIANTS[request.param]
    workdir = tmp_path_factory.mktemp(f"ui-{request.param}")
    # No gateway here: the connectivity monitor would call the kiosk offline after its second probe; this
    # test shows the offline banner by event instead, so the second probe is put far off.
    config = demo_site_config(workdir, card_port=None, language=language,
                              extra={"storage": {"offline_probe_s": 600}, "ui": ui_options})
    kiosk = KioskProcess(config)
    try:
        kiosk.start()
    except Exception:
        print(kiosk.log_text())
        raise
    yield Shots(kiosk, language, request.param)
    kiosk.stop()


def t(key: str, language: str, **values) -> str:
    return i18n.text(key, language, **values)


def check(ui: Shots, screen: str, name: str, *expected: str, predicate=None) -> dict:
    """Wait for the screen showing the expected texts; it must fit; save its screenshot and check it is not blank."""
    client = ui.kiosk.client
    state = client.wait_for_screen(screen, 20, predicate=(
        lambda s: all(e in texts(s) for e in expected) and (predicate is None or predicate(s))))
    assert state["language"] == ui.language
    assert_fits(state)
    path = shot(client, ui.variant, name)
    with Image.open(path) as image:
        assert image.size == (1080, 1920)
        assert len(image.convert("RGB").getcolors(1 << 20) or ()) > 8, f"{path} looks blank"
    return state


def test_every_screen(ui):
    kiosk, lang = ui
    client = kiosk.client

    # A face-check view this build reaches only with a camera: drawn directly, then replaced by the session.
    client.render(state="verify", language=lang, verify_guidance="turn_left", verify_attempt=2,
                  verify_seconds_left=12.4)
    check(ui, "verify", "verify", t("verify.title", lang), t("turn_left", lang),
          t("verify.seconds_left", lang, seconds=13))

    client.post("StartRequested")
    check(ui, "identify", "identify", t("identify.title", lang), t("identify.prompt", lang))
    client.tap(intent="cancel")
    state = check(ui, "attract", "attract", t("attract.welcome", lang), t("attract.prompt", lang),
                  t("attract.start", lang))
    assert any(b["intent"] == "language" for b in state["buttons"])

    client.tap(intent="start")
    client.wait_for_screen("identify")
    client.post("CardRead", card=EXPIRED_CARD)
    check(ui, "identify", "identify_card_expired", t("card_expired", lang))

    client.post("CardRead", card=CARD)
    # No gateway in this test: the menu says so, in plain words, and the name and ID number are masked.
    state = check(ui, "menu", "menu", t("menu.greeting", lang, name="欧**"),
                  t("menu.id", lang, id="1101**********1235"), t("service.case_status", lang),
                  t("platform_unavailable", lang))
    assert "欧阳明" not in texts(state) and "110105196108041235" not in texts(state)

    client.post("CasesLoaded", cases=CASES)
    client.tap(intent="service", arg="case_status")
    state = check(ui, "cases", "cases", t("cases.title", lang), t("cases.count", lang, count=4),
                  "存量房买卖转移登记", t("cases.days_left", lang, days=2), t("status.under_review", lang))
    shown = texts(state)
    assert t("cases.extension", lang, reason=CASES[1]["extension_reason"]) in shown
    assert t("cases.rejection", lang, reason=CASES[3]["rejection_reason"]) in shown
    assert t("cases.deadline", lang, date="2026-12-18") + t("cases.estimated", lang) in shown
    assert t("cases.next_action", lang, action=t("next.collect_certificate", lang)) in shown

    client.tap(intent="finish")
    state = check(ui, "done", "done", t("done.title", lang), t("finished", lang),
                  t("done.take_card", lang))
    client.tap(intent="back")
    client.wait_for_screen("menu")
    client.tap(intent="cancel")
    client.wait_for_screen("attract")

    client.render(state="done", language=lang, outcome="ask_staff", message="no_match")
    check(ui, "done", "done_ask_staff", t("done.ask_staff_title", lang), t("ask_staff", lang),
          t("no_match", lang))
    client.render(state="attract", language=lang, idle_warning=True, countdown_s=15)
    state = check(ui, "attract", "idle_warning", t("idle.title", lang),
                  t("idle.countdown", lang, seconds=15), predicate=lambda s: s["overlay"])
    # The overlay covers the screen: only its own button can be pressed.
    assert [b["intent"] for b in state["buttons"]] == ["continue"]
    client.render(state="attract", language=lang)

    client.post("ServiceModeCommanded", in_service=False, message="out_of_service")
    check(ui, "out_of_service", "out_of_service", t("out_of_service.title", lang),
          t("out_of_service", lang))
    client.post("ServiceModeCommanded", in_service=True)
    client.wait_for_screen("attract")

    client.post("MaintenanceRequested", staff_id="S-0042")
    check(ui, "maintenance", "maintenance", t("maintenance.title", lang),
          t("maintenance.staff", lang, staff_id="S-0042"))
    client.tap(intent="maintenance_exit")
    client.wait_for_screen("attract")

    client.post("ConnectivityChanged", online=False)
    check(ui, "attract", "offline_banner", t("offline.banner", lang), t("attract.welcome", lang))
    client.post("ConnectivityChanged", online=True)
    client.wait_for_screen("attract", predicate=lambda s: t("offline.banner", lang) not in texts(s))
    assert kiosk.alive()


def test_language_switch_and_back(ui):
    kiosk, lang = ui
    client = kiosk.client
    client.wait_for_screen("attract")
    other = "en" if lang == "zh_CN" else "zh_CN"
    client.tap(intent="language")
    client.wait_for_screen("attract", predicate=lambda s: s["language"] == other
                           and t("attract.welcome", other) in texts(s))
    client.tap(intent="start")
    state = client.wait_for_screen("identify")
    assert state["language"] == other, "the chosen language holds for the applicant's session"
    client.tap(intent="cancel")
    # The session ends: the next applicant gets the kiosk's default language again.
    client.wait_for_screen("attract", predicate=lambda s: s["language"] == lang
                           and t("attract.welcome", lang) in texts(s))


def test_touch_anywhere_on_attract_starts(ui):
    kiosk, _lang = ui
    client = kiosk.client
    client.wait_for_screen("attract")
    state = client.state()
    prompt = next(x for x in state["texts"] if x["text"] == t("attract.prompt", state["language"]))
    client.checked("tap_at", x=prompt["x"] + prompt["width"] // 2, y=prompt["y"] + prompt["height"] // 2)
    client.wait_for_screen("identify")
    client.tap(intent="cancel")
    client.wait_for_screen("attract")
