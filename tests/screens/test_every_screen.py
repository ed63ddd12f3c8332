"""Every screen of the real kiosk app, in Chinese and in English: what it shows, that it fits, a screenshot of it.

The kiosk runs in a child process with no gateway and no card reader; the test presses real buttons through the
window and posts the events a card reader and the platform would post. Screenshots go to var/test-screenshots/.
"""
from __future__ import annotations

import pytest
from PIL import Image

from catalog import i18n
from catalog.durations import time_left
from kiosk_testkit.demo import demo_site_config
from kiosk_testkit.harness import KioskProcess
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
                  _step("certificate_ready", "2026-11-06T10:00:00+08:00", True), _step("collected", None, False)],
     "certificates": [
         {"copy_id": "BDC2026000103-1", "status": "ready", "receive_method": "window", "shipments": []},
         {"copy_id": "BDC2026000103-2", "status": "dispatched", "receive_method": "courier",
          "shipments": [{"waybill": "EA*******89CN", "status": "in_transit",
                         "steps": [{"status": "created", "at": "2026-11-07T01:00:00Z"},
                                   {"status": "in_transit", "at": "2026-11-08T01:00:00Z"}]}]}]},
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


def title_of(case: dict, language: str) -> str:
    """A case's title as the card shows it: the gateway's Chinese title, in English the kind of registration."""
    return t(f"kind.{case['kind']}", language) if language == "en" else case["title"]


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
    # The screen counts down on its own clock from the 12.4 s it was given: any second on the way down will do.
    check(ui, "verify", "verify", t("verify.title", lang), t("turn_left", lang),
          predicate=lambda s: any(t("verify.seconds_left", lang, seconds=n) in texts(s) for n in range(14)))

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
                  title_of(CASES[0], lang), t("cases.days_left", lang, days=2), t("status.under_review", lang))
    if lang == "en":
        assert "存量房买卖转移登记" not in texts(state), "case titles in English"
    shown = texts(state)
    assert t("cases.extension", lang, reason=CASES[1]["extension_reason"]) in shown
    assert t("cases.rejection", lang, reason=CASES[3]["rejection_reason"]) in shown
    assert t("cases.deadline", lang, date="2026-12-18") + t("cases.estimated", lang) in shown
    assert t("cases.next_action", lang, action=t("next.collect_certificate", lang)) in shown
    # how each certificate is received, and the courier's tracking (the waybill as the gateway masked it)
    how = t("cases.cert.how.courier", lang, waybill="EA*******89CN")
    assert t("cases.cert.line", lang, n=1, how=t("cases.cert.how.window", lang)) in shown
    assert t("cases.cert.line", lang, n=2, how=how) + "\n" + t("cases.cert.tracking", lang, steps=" → ".join((
        "11-07 " + t("cases.cert.scan.created", lang), "11-08 " + t("cases.cert.scan.in_transit", lang)))) in shown

    client.tap(intent="finish")
    # The 好差评 rating over the done screen at the end of every service (kiosk.rating): skipped here.
    check(ui, "done", "done_rating", t("rating.ask", lang), t("rating.level.5", lang), predicate=lambda s: s["overlay"])
    client.tap(intent="rate_skip")
    state = check(ui, "done", "done", t("outcome.title.finished", lang), t("finished", lang),
                  t("done.take_card", lang), predicate=lambda s: not s["overlay"])
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

    maintenance_screens(ui)

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


# -- bank service point screens (mortgage status and registration proof; the staff's progress list) ---------------
MORTGAGES = [
    {"case_id": "MTG0A1B2C3D4E", "status": "tax_assessed", "received_on": "2026-11-23", "deadline": "2026-11-30",
     "working_days_left": 5, "property_address_masked": "广东省深圳市***", "certificate_ready": False},
    {"case_id": "MTG9F8E7D6C5B", "status": "recorded", "received_on": "2026-11-02", "deadline": "2026-11-09",
     "working_days_left": None, "property_address_masked": "上海市浦东新***", "certificate_ready": True},
]
SUBMITTED = [
    {"application_id": "MA-DEMO-004", "status": "submitted", "case_status": "recorded", "deadline": "2026-11-09",
     "working_days_left": None, "reference": "BK0123456789AB", "decline_reason": None,
     "parties": [{"seq": 1, "role": "mortgagor", "name_masked": "白**", "id_number_masked": "3101**********2341",
                  "signed": True}]},
    {"application_id": "MA-DEMO-003", "status": "declined", "case_status": None, "deadline": None,
     "working_days_left": None, "reference": None, "decline_reason": "贷款期限与约定不符",
     "parties": [{"seq": 1, "role": "mortgagor", "name_masked": "欧**", "id_number_masked": "1101**********1235",
                  "signed": False}, {"seq": 2, "role": "co_owner", "name_masked": "林**",
                                     "id_number_masked": "4403**********3458", "signed": False}]},
]


def test_bank_screens(ui):
    kiosk, lang = ui
    client = kiosk.client
    client.render(state="flow", language=lang, service="mortgage_certificate",
                  flow={"type": "MortgageList", "mortgages": MORTGAGES})
    state = check(ui, "mortgage_certificate", "mortgage_certificate", t("mcert.title", lang),
                  t("mcert.deadline", lang, date="2026-11-30") + "  " + t("cases.days_left", lang, days=5),
                  t("mcert.print", lang), t("status.recorded", lang))
    assert [b["arg"] for b in state["buttons"] if b["intent"] == "flow"] == ["print:MTG9F8E7D6C5B"]
    client.render(state="flow", language=lang, service="mortgage_signing",
                  flow={"type": "Submissions", "submitted": SUBMITTED})
    check(ui, "bank_signing", "bank_submissions", t("bank.submissions_title", lang),
          "MA-DEMO-004  " + t("status.recorded", lang), t("bank.reference", lang, reference="BK0123456789AB"),
          t("bank.declined_because", lang, reason="贷款期限与约定不符"))
    client.post("StartRequested")  # a real view from the session replaces the drawn one
    client.post("CancelRequested")
    client.wait_for_screen("attract", 20)


def maintenance_screens(ui: Shots) -> None:
    """The staff PIN pad (asking, wrong PIN, locked) and every maintenance page (issue 10)."""
    kiosk, lang = ui
    client = kiosk.client
    client.post("StaffCredentialPresented")
    check(ui, "staff_pin", "staff_pin", t("staff_pin.title", lang), t("staff_pin.prompt", lang),
          predicate=lambda s: len([b for b in s["buttons"] if b["intent"] == "pin"]) == 12)
    client.tap(intent="pin", arg="4")
    client.tap(intent="pin", arg="2")
    client.wait_for_screen("staff_pin", predicate=lambda s: "●●" in texts(s))
    client.post("StaffPinRejected", message_key="wrong_pin", attempts_left=2)
    check(ui, "staff_pin", "staff_pin_wrong", t("wrong_pin", lang), t("staff_pin.attempts_left", lang, count=2))
    client.post("StaffPinRejected", message_key="maintenance_locked", attempts_left=0, locked_s=300)
    check(ui, "staff_pin", "staff_pin_locked", t("staff_pin.locked", lang, minutes=5))
    client.tap(intent="cancel")
    client.wait_for_screen("attract")

    client.post("MaintenanceRequested", staff_id="S-0042")
    check(ui, "maintenance", "maintenance", t("maint.header", lang, staff_id="S-0042"),
          t("maint.devices_title", lang), t("device.card_reader", lang), t("dev_status.disabled", lang),
          t("maint.network", lang, state=t("maint.online", lang)))
    client.tap(intent="maintenance_page", arg="stock")
    check(ui, "maintenance_stock", "maintenance_stock",
          t("maint.jobs_today", lang, count=1), t("maint.no_blanks", lang))  # the case-status job above
    client.tap(intent="maintenance_page", arg="locker")
    check(ui, "maintenance_locker", "maintenance_locker", t("maint.no_locker", lang))
    client.tap(intent="maintenance_page", arg="log")
    outbox = t("maint.outbox", lang, count="{count}").split("{count}")[0]
    check(ui, "maintenance_log", "maintenance_log", t("maint.errors_title", lang), outbox, t("maint.fleet_off", lang))
    client.post("MaintenancePageChosen", page="camera")
    check(ui, "maintenance_camera", "maintenance_camera", t("maint.camera_title", lang), t("maint.no_camera", lang))
    client.tap(intent="maintenance_page", arg="home")
    client.wait_for_screen("maintenance")
    client.tap(intent="maintenance_exit")
    client.wait_for_screen("attract")


def test_applicant_services_screens(ui):
    """Issue 8: the e-certificate steps, the identify screen naming a scanned acceptance notice's case, and the case
    list opened from that notice (drawn directly: this build has no gateway and no scanner)."""
    import time

    kiosk, lang = ui
    client = kiosk.client
    client.wait_for_screen("attract")
    base = {"state": "flow", "language": lang, "service": "e_certificate", "applicant_name": "欧**",
            "applicant_id": "1101**********1235"}
    client.render(**base, flow={"type": "ChooseCase", "cases": [
        {"case_id": c["case_id"], "title": c["title"], "kind": c["kind"]} for c in CASES[:3]]})
    check(ui, "e_certificate", "e_certificate_choose", t("e_cert.title", lang), t("e_cert.choose", lang),
          "BDC2026000103")
    client.render(**base, flow={
        "type": "ShowingQr", "case": {"case_id": "BDC2026000103", "title": "抵押权首次登记", "kind": "mortgage"},
        "url": "http://127.0.0.1:8600/e-certificates/0123456789abcdefghijklmnopqrstuv",
        "documents": ["e_certificate", "contract"], "expires_at": time.time() + 600})
    state = check(ui, "e_certificate", "e_certificate_showing_qr", t("e_cert.scan", lang),
                  t("e_cert.private", lang), t("e_cert.done", lang))
    assert any(t("e_cert.countdown", lang, time=time_left(m * 60 + s, lang)) in texts(state)
               for m in (9, 10) for s in range(60)), "the time left in minutes and seconds, not like a clock time"
    client.render(**base, flow={"type": "LinkExpired", "case": {"case_id": "BDC2026000103"}})
    check(ui, "e_certificate", "e_certificate_expired", t("e_cert.expired", lang), t("e_cert.again", lang),
          t("e_cert.close", lang))
    client.render(**base, flow={"type": "NothingIssued"})
    check(ui, "e_certificate", "e_certificate_nothing", t("e_cert.nothing", lang))
    client.render(**base, flow={"type": "CreatingLink", "case": {"case_id": "BDC2026000103"}})
    check(ui, "e_certificate", "e_certificate_creating", t("e_cert.creating", lang))
    client.render(state="done", language=lang, outcome="e_certificate_done")
    check(ui, "done", "e_certificate_done", t("e_certificate_done", lang))
    client.render(state="done", language=lang, outcome="proof_printed", receipt_pending=True)
    state = check(ui, "done", "done_receipt_pending", t("outcome.title.proof_printed", lang),
                  t("outcome.take.document", lang), t("done.take_card", lang))
    assert t("done.receipt", lang) not in texts(state), "an A4 proof is not a slip"
    outcome_screens(ui)

    client.render(state="identify", language=lang, notice_case_id="BDC2026000102")
    check(ui, "identify", "identify_notice", t("identify.notice", lang, case_id="BDC2026000102"))
    client.render(state="flow", language=lang, service="case_status", cases=CASES, cases_loaded=True,
                  flow={"type": "CaseList"}, focus_case="BDC2026000102")
    state = check(ui, "cases", "cases_from_notice", t("cases.from_notice", lang), title_of(CASES[1], lang))
    assert title_of(CASES[0], lang) not in texts(state), "only the notice's case"
    client.render(state="attract", language=lang)
    client.wait_for_screen("attract")


def outcome_screens(ui: Shots) -> None:
    """Issue 20 items 10, 11, 8, 16, 19: each outcome its own title and next step; the QR page's countdown in words and
    the fee breakdown on it; the fees page's 返回; fee names in English."""
    kiosk, lang = ui
    client = kiosk.client
    services = {"services": ["case_status", "payment", "proof"]}
    client.render(state="done", language=lang, outcome="properties_exist", **services)
    state = check(ui, "done", "done_properties_exist", t("outcome.title.properties_exist", lang),
                  t("properties_exist", lang), t("outcome.next.property_record", lang))
    assert t("done.title", lang) not in texts(state), "a refusal is not titled 谢谢使用"
    assert {"intent": "service", "arg": "proof"}.items() <= next(
        b for b in state["buttons"] if b["intent"] == "service").items(), "the button opens the proof service"
    client.render(state="done", language=lang, outcome="payment_cancelled", **services)
    state = check(ui, "done", "done_payment_cancelled", t("outcome.title.payment_cancelled", lang),
                  t("payment_cancelled", lang))
    assert not [b for b in state["buttons"] if b["intent"] == "service"], "no next step where there is none"
    base = {"state": "flow", "language": lang, "service": "payment", "applicant_name": "欧**",
            "applicant_id": "1101**********1235", **services}
    case = {"case_id": "BDC2026000105", "title": "存量房买卖转移登记", "kind": "transfer"}
    items = [{"code": "deed_tax", "name": "契税", "amount_fen": 5_250_000},
             {"code": "registration_fee", "name": "不动产登记费", "amount_fen": 8_000}]
    client.render(**base, flow={"type": "WaitingForPayment", "case": case, "order_id": "PO1",
                                "pay_url": "http://127.0.0.1:8600/pay/PO1?t=x", "total_fen": 5_258_000,
                                "items": items, "seconds_left": 898})
    state = check(ui, "pay", "pay_qr_countdown", t("pay.countdown", lang, time=time_left(898, lang)),
                  t("fee.deed_tax", lang), "￥52,500.00", t("pay.cancel", lang))
    assert "14:58" not in texts(state)
    client.render(**base, flow={"type": "Fees", "case": case, "items": items, "total_fen": 5_258_000,
                                "channels": ["微信支付"], "channel_options": []})
    state = check(ui, "pay", "pay_fees_back", t("pay.confirm_hint", lang), t("fee.deed_tax", lang),
                  t("button.back", lang), t("pay.confirm", lang))
    assert "back" in [b["intent"] for b in state["buttons"]], "the fees page has 返回"
    if lang == "en":
        assert "契税" not in texts(state), "fee names in English"
    client.render(state="attract", language=lang)
    client.wait_for_screen("attract")


def test_payment_channel_choice(ui):
    """Issue 19: a site that takes WeChat Pay and Alipay shows one button per channel under the fees (each gives its
    own QR code); a site with one channel keeps the single Confirm (drawn directly: this build has no gateway)."""
    kiosk, lang = ui
    client = kiosk.client
    client.wait_for_screen("attract")
    base = {"state": "flow", "language": lang, "service": "payment", "applicant_name": "欧**",
            "applicant_id": "1101**********1235"}
    fees = {"type": "Fees", "case": {"case_id": "BDC2026000105", "title": "存量房买卖转移登记", "kind": "transfer"},
            "items": [{"code": "deed_tax", "name": "契税", "amount_fen": 4_500_000, "department": "国家税务总局（契税）"},
                      {"code": "registration_fee", "name": "不动产登记费", "amount_fen": 8_000}],
            "total_fen": 4_508_000, "channels": ["微信支付", "支付宝"],
            "channel_options": [{"channel": "wechat", "name": "微信支付"}, {"channel": "alipay", "name": "支付宝"}]}
    client.render(**base, flow=fees)
    state = check(ui, "pay", "pay_fees_choose_channel", t("pay.choose_channel", lang),
                  t("pay.with", lang, channel=t("channel.wechat", lang)),
                  t("pay.with", lang, channel=t("channel.alipay", lang)))
    flow_args = [b["arg"] for b in state["buttons"] if b["intent"] == "flow"]
    assert "confirm:wechat" in flow_args and "confirm:alipay" in flow_args and "confirm" not in flow_args
    client.render(**base, flow={**fees, "case": {**fees["case"], "case_id": "BDC2026000106"}, "channels": ["微信支付"],
                                "channel_options": []})
    state = check(ui, "pay", "pay_fees_one_channel", t("pay.confirm_hint", lang), t("pay.confirm", lang))
    flow_args = [b["arg"] for b in state["buttons"] if b["intent"] == "flow"]
    assert "confirm" in flow_args and not any(a.startswith("confirm:") for a in flow_args)
    client.render(state="attract", language=lang)
    client.wait_for_screen("attract")


def test_pickup_screens(ui):
    """Issue 9, the pickup locker: the code screen (its attract screen), refusals, lockout, door alarm, the identify
    prompt after a good code, and the door screen's steps and outcomes (drawn directly: this build has no locker)."""
    kiosk, lang = ui
    client = kiosk.client
    locker = {"language": lang, "services": ["pickup"], "pickup_only": True}
    client.render(state="attract", **locker)
    state = check(ui, "pickup_code", "pickup_attract", t("pickup.title", lang), t("pickup.prompt", lang),
                  t("pickup.digits_hint", lang),
                  predicate=lambda s: len([b for b in s["buttons"] if b["intent"] == "pickup_key"]) == 13)
    assert {"back", "clear", "ok"} <= {b["arg"] for b in state["buttons"] if b["intent"] == "pickup_key"}
    assert not [b for b in state["buttons"] if b["intent"] == "cancel"], "nothing to cancel before a code"
    for key in "1234":
        client.tap(intent="pickup_key", arg=key)
    check(ui, "pickup_code", "pickup_typing", "1234 ____")
    client.render(state="pickup_code", service="pickup", message="digits_wrong", flow={"type": "CodeRefused"},
                  **locker)
    check(ui, "pickup_code", "pickup_digits_wrong", t("digits_wrong", lang), t("pickup.cancel", lang))
    for key in "567":  # new digits: the answer to the last ones goes; the delete key takes one back
        client.tap(intent="pickup_key", arg=key)
    client.tap(intent="pickup_key", arg="back")
    state = check(ui, "pickup_code", "pickup_typing_again", "56__ ____")
    assert t("digits_wrong", lang) not in texts(state), "no stale refusal while new digits are typed"
    client.tap(intent="pickup_key", arg="clear")
    client.wait_for_screen("pickup_code", predicate=lambda s: "____ ____" in texts(s))
    for reason in ("code_expired", "code_used", "code_malformed", "code_wrong_locker"):
        client.render(state="pickup_code", service="pickup", message=reason, flow={"type": "CodeRefused"}, **locker)
        check(ui, "pickup_code", f"pickup_{reason}", t(reason, lang))
    client.render(state="pickup_code", service="pickup", message="code_entry_locked", pickup_locked_s=240,
                  flow={"type": "CodeRefused"}, **locker)
    check(ui, "pickup_code", "pickup_locked", t("pickup.locked", lang, minutes=4))
    client.render(state="pickup_code", service="pickup", flow={"type": "CheckingCode"}, **locker)
    check(ui, "pickup_code", "pickup_checking", t("pickup.checking", lang))
    client.render(state="attract", locker_alarms=["A02"], **locker)
    check(ui, "pickup_code", "pickup_alarm", t("pickup.alarm", lang, compartments="A02"))

    client.render(state="identify", service="pickup", message="pickup_code_accepted", **locker)
    check(ui, "identify", "pickup_identify", t("pickup_code_accepted", lang))
    door = {"state": "flow", "service": "pickup", **locker}
    client.render(**door, flow={"type": "DoorOpening", "compartment": "A02"})
    check(ui, "pickup_door", "pickup_opening", t("pickup.opening", lang, compartment="A02"))
    client.render(**door, flow={"type": "DoorRetrying", "compartment": "A02"})
    check(ui, "pickup_door", "pickup_retrying", t("pickup.retrying", lang))
    client.render(**door, flow={"type": "TakeCertificate", "compartment": "A02"})
    check(ui, "pickup_door", "pickup_take", t("pickup.take", lang, compartment="A02"), t("pickup.take_hint", lang))
    done = {"state": "done", "service": "pickup", **locker}
    client.render(**done, outcome="picked_up", receipt_pending=True,
                  flow={"type": "TakeCertificate", "compartment": "A02"})
    check(ui, "pickup_door", "pickup_done", t("pickup.done_title", lang), t("picked_up", lang),
          t("pickup.receipt", lang), t("pickup.finish", lang))
    for outcome in ("door_did_not_open", "person_mismatch", "item_not_taken"):
        client.render(**done, outcome=outcome, flow={"type": "TakeCertificate", "compartment": "A02"})
        check(ui, "pickup_door", f"pickup_{outcome}", t("pickup.not_done_title", lang), t(outcome, lang))
    # the wrong person and a stuck door: what to do now, and a button for it, not only 完成
    client.render(**done, outcome="door_did_not_open", flow={"type": "DoorRetrying", "compartment": "A02"})
    check(ui, "pickup_door", "pickup_door_did_not_open_next", t("pickup.staff_hint", lang, compartment="A02"),
          t("pickup.again", lang))
    client.render(**done, outcome="person_mismatch", flow={"type": "TakeCertificate", "compartment": "A02"})
    check(ui, "pickup_door", "pickup_person_mismatch_next", t("pickup.agent_hint", lang), t("pickup.again", lang))
    client.render(**done, outcome="door_left_open", locker_alarms=["A02"],
                  flow={"type": "TakeCertificate", "compartment": "A02"})
    state = check(ui, "pickup_door", "pickup_door_left_open", t("door_left_open", lang),
                  t("pickup.close_title", lang, compartment="A02"))
    shown = texts(state)
    assert t("pickup.take", lang, compartment="A02") not in shown, "not 已打开 and 未关好 together"
    assert t("pickup.alarm", lang, compartments="A02") not in shown, "the door is named once"
    client.render(state="attract", language=lang)
    client.wait_for_screen("attract")
