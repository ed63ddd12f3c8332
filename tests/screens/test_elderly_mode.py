"""Issue 20 items 2, 3, 5, 25 and the accessibility numbers, on the real app under Xvfb, for every site profile:

- every service on the menu at once (no scrolling), in normal and in 长辈模式 (the largest text with high contrast,
  switched on screen without ending the session), in Chinese and English: each button inside the window, none
  overlapping, every target at least 60x60 dp;
- every screen walked in 长辈模式: body text >= 18 dp, headings >= 30 dp, contrast >= 4.5:1 from the drawn colours,
  targets >= 60x60 dp, line spacing >= 1.3, and a way out on each; nothing drawn over anything else, counting only
  what a ScrollView's viewport draws (the case list with a case and its certificates, at its top and scrolled to
  its end);
- the verify screen draws the live camera picture (the clip in ../shared/data/faces as the camera) and its
  countdown moves; the idle warning's countdown moves second by second.

The window is 1080x1920 at density 1: a dp is a pixel here (screens/window.py).
"""
from __future__ import annotations

import pytest
from PIL import Image

from catalog import i18n
from kiosk_testkit.demo import HALL_PROFILE, LOCKER_PROFILE, demo_site_config
from kiosk_testkit.harness import REPO_ROOT, KioskProcess
from tests.screens.conftest import assert_fits, shot, texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]

BANK_PROFILE = REPO_ROOT / "config" / "profiles" / "bank.toml"
PROFILES = {"hall": HALL_PROFILE, "bank": BANK_PROFILE, "locker": LOCKER_PROFILE}
CLIP = REPO_ROOT.parent / "shared" / "data" / "faces" / "short_hamilton_clip.mp4"
CARD = {"name": "欧阳明", "id_number": "110105196108041235", "expired": False}
IDLE_S, WARNING_S = 10, 6
MIN_TARGET_DP, MIN_BODY_DP, MIN_HEADING_DP, MIN_CONTRAST, MIN_LINE = 60, 18, 30, 4.5, 1.3
WAYS_OUT = {"cancel", "back", "finish", "continue", "start", "maintenance_exit", "flow", "rate_skip"}


@pytest.fixture(scope="module", params=list(PROFILES))
def kiosk(request, tmp_path_factory):
    profile = request.param
    workdir = tmp_path_factory.mktemp(f"elderly-{profile}")
    devices = {"camera": {"enabled": True, "source": str(CLIP), "fps": 15}} if CLIP.exists() else {}
    config = demo_site_config(workdir, card_port=None, profile_path=PROFILES[profile],
                              extra={"storage": {"offline_probe_s": 600}, "devices": devices,
                                     "session": {"idle_timeout_s": IDLE_S, "idle_warning_s": WARNING_S}})
    process = KioskProcess(config)
    try:
        process.start()
    except Exception:
        print(process.log_text())
        raise
    process.profile = profile
    yield process
    process.stop()


def set_mode(client, elderly: bool) -> None:
    state = client.state()
    on = i18n.text("access.elderly_off", state["language"])  # the switch shows the way back while on
    if any(b["intent"] == "elderly" and b["text"] == on for b in state["buttons"]) != elderly:
        client.tap(intent="elderly")
    client.wait_until(lambda s: s.get("settled") and any(
        b["intent"] == "elderly" and (b["text"] == i18n.text("access.elderly_off", s["language"])) == elderly
        for b in s["buttons"]), 15, "the mode switch")


def set_language(client, language: str) -> None:
    if client.state()["language"] != language:
        client.tap(intent="language")
    client.wait_until(lambda s: s["language"] == language and s.get("settled"), 15, "the language")


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255 if c > 1 else c
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def visible(entry: dict) -> tuple[int, int, int, int] | None:
    """The part of a text's box that is drawn, (x, y, width, height) in window pixels: its box less what a
    ScrollView's viewport clips away (entry["clip"], kiosk_testkit.control); None when nothing of it is drawn."""
    x, y, x2, y2 = entry["x"], entry["y"], entry["x"] + entry["width"], entry["y"] + entry["height"]
    if "clip" in entry:
        cx, cy, cw, ch = entry["clip"]
        x, y, x2, y2 = max(x, cx), max(y, cy), min(x2, cx + cw), min(y2, cy + ch)
    if x2 - x <= 1 or y2 - y <= 1:
        return None
    return x, y, x2 - x, y2 - y


def apart(a: tuple, b: tuple) -> bool:
    """Two drawn boxes (x, y, width, height) that do not overlap (touching by a pixel is not overlapping)."""
    return (a[0] + a[2] <= b[0] + 1 or b[0] + b[2] <= a[0] + 1
            or a[1] + a[3] <= b[1] + 1 or b[1] + b[3] <= a[1] + 1)


def background_of(image: Image.Image, drawn: tuple):
    """The colour the drawn part (x, y, width, height) of a label's box is drawn on (its background), from the
    screenshot."""
    height = image.height
    x, y, width, box_height = drawn
    box = (max(0, x), max(0, height - y - box_height), min(image.width, x + width), min(height, height - y))
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    crop = image.crop(box)
    w, h = crop.size
    # the box's edge: the text keeps clear of it (padding, line spacing), so it is drawn in the background colour
    edge = [crop.getpixel((x, y)) for x in range(w) for y in (0, h - 1)] + \
        [crop.getpixel((x, y)) for y in range(h) for x in (0, w - 1)]
    return max(set(edge), key=edge.count) if edge else None


def check_accessibility(client, name: str, state: dict, start_screen: bool = False) -> None:
    """start_screen: the screen nobody's session is on (there is nothing to leave)."""
    path = shot(client, "elderly", name)
    shown = state["texts"]
    if state["overlay"]:  # an overlay covers the screen (idle warning, 好差评): what it shows is what is read
        shown = [t for t in shown if t["layer"] == 0]
        assert shown, f"{name}: the overlay shows text"
    if state["overlay"] and any(t["text"] == i18n.text("idle.title", state["language"]) for t in shown):
        overlay = {i18n.text("idle.title", state["language"]), i18n.text("idle.continue", state["language"])}
        shown = [t for t in shown if t["text"] in overlay or t["text"].endswith("秒后将自动退出")]
        assert len(shown) == 3, shown
    with Image.open(path) as image:
        image = image.convert("RGB")
        for entry in shown:
            where = f"{name}: {entry['text'][:30]!r}"
            assert entry["font_size"] >= MIN_BODY_DP, f"{where} is {entry['font_size']} dp"
            if entry["lines"] > 1:
                assert entry["line_height"] >= MIN_LINE, f"{where}: line spacing {entry['line_height']}"
            drawn = visible(entry)
            if drawn is None:  # scrolled out of its viewport: checked when scrolled into it
                continue
            back = entry.get("background") or background_of(image, drawn)
            if back is None:
                continue
            ratio = contrast(entry["color"], back)
            assert ratio >= MIN_CONTRAST, f"{where}: contrast {ratio:.2f} ({entry['color']} on {back})"
    # nothing drawn over anything else (a squeezed layout stacks labels); a scrolled card's text clipped by its
    # viewport is not drawn outside it, so only the drawn parts count
    drawn = [(entry, visible(entry)) for entry in shown]
    drawn = [(entry, box) for entry, box in drawn if box is not None]
    for i, (a, box_a) in enumerate(drawn):
        for b, box_b in drawn[i + 1:]:
            assert apart(box_a, box_b), f"{name}: {a['text'][:20]!r} overlaps {b['text'][:20]!r}"
    headings = [t for t in state["texts"] if t["font_size"] >= MIN_HEADING_DP]
    assert headings, f"{name} has a heading of at least {MIN_HEADING_DP} dp"
    for button in state["buttons"]:
        assert button["width"] >= MIN_TARGET_DP and button["height"] >= MIN_TARGET_DP, f"{name}: {button}"
    if not start_screen:
        assert {b["intent"] for b in state["buttons"]} & WAYS_OUT, f"{name} has no way out"
    assert_fits(state)


def assert_services_fit(state: dict, services: list[str], language: str) -> None:
    buttons = [b for b in state["buttons"] if b["intent"] == "service"]
    assert sorted(b["arg"] for b in buttons) == sorted(services), "every service is on the menu"
    for b in buttons:
        assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= 1080 and b["y"] + b["height"] <= 1920, b
        assert b["width"] >= MIN_TARGET_DP and b["height"] >= MIN_TARGET_DP, b
        assert b["text"].split("\n")[0] == i18n.text(f"service.{b['arg']}", language)
    others = [b for b in state["buttons"] if b not in buttons]
    everything = buttons + others
    for i, a in enumerate(everything):
        for b in everything[i + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, f"{a['text']!r} overlaps {b['text']!r}"
    assert_fits(state)


CERTIFICATE_CASE = {
    "case_id": "BDC2026000103", "kind": "mortgage", "title": "抵押权首次登记", "status": "certificate_ready",
    "received_on": "2026-11-02", "deadline": None, "working_days_left": None, "extension_reason": None,
    "next_action": "collect_certificate", "timeline": [],
    "certificates": [{"copy_id": "BDC2026000103-1", "status": "ready", "receive_method": "window", "shipments": []},
                     {"copy_id": "BDC2026000103-2", "status": "dispatched", "receive_method": "courier",
                      "shipments": [{"waybill": "EA*******89CN", "status": "in_transit",
                                     "steps": [{"status": "created", "at": "2026-11-07T01:00:00Z"}]}]}]}


def drawn_whole(state: dict, fragment: str) -> bool:
    """A text containing fragment is drawn whole: not clipped by its ScrollView's viewport."""
    return any(fragment in t["text"] and visible(t) == (t["x"], t["y"], t["width"], t["height"])
               for t in state["texts"])


def scroll_to_end(client, fragment: str, name: str) -> dict:
    """Drag the list up (a finger, as a person scrolls) until the text containing fragment is drawn whole."""
    state = client.state()
    for _ in range(8):
        if drawn_whole(state, fragment):
            return state
        client.checked("swipe", x=540, y=700, x2=540, y2=1300, frames=10)
        previous: list = []

        def still(s, seen=previous):  # the list has come to rest after the drag
            boxes = [(t["text"], t["x"], t["y"]) for t in s["texts"]]
            seen.append(boxes)
            return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]
        state = client.wait_until(still, 20, "the list to stop scrolling")
    raise AssertionError(f"{name}: {fragment!r} not drawn whole after scrolling the list")


def to_menu(client) -> None:
    client.post("CancelRequested")
    client.wait_for_screen("attract", 20)
    client.post("StartRequested")
    client.wait_for_screen("identify", 20)
    client.post("CardRead", card=CARD)
    client.wait_for_screen("menu", 20)


def test_the_overlap_check_counts_only_what_a_viewport_draws():
    """A card's text scrolled under the bottom buttons is clipped by its viewport: not an overlap; text drawn over
    other text inside the viewport, or outside any viewport, still is."""
    viewport = [40, 330, 1000, 1300]  # the list's viewport: y from 330 up to 1630, the footer's buttons below it
    button = {"x": 40, "y": 40, "width": 480, "height": 200}
    under = {"x": 80, "y": 200, "width": 900, "height": 260, "clip": viewport}  # runs below the viewport's bottom
    assert visible(under) == (80, 330, 900, 130)
    assert apart(visible(under), visible(button))
    assert not apart((under["x"], under["y"], under["width"], under["height"]), visible(button)), "unclipped: overlap"
    gone = {"x": 80, "y": 60, "width": 900, "height": 200, "clip": viewport}  # wholly scrolled out of view
    assert visible(gone) is None
    stacked = {"x": 80, "y": 400, "width": 900, "height": 100, "clip": viewport}  # drawn over `under` in view
    assert not apart(visible(under), visible(stacked))
    assert not apart(visible(button), visible({"x": 300, "y": 100, "width": 400, "height": 100}))


def test_every_service_at_once_in_every_mode_and_language(kiosk):
    client = kiosk.client
    state = client.wait_until(lambda s: s.get("ready"), 60, "the UI")
    if kiosk.profile == "locker":  # a pickup locker has no menu: its code screen must fit in every mode
        for language in ("zh_CN", "en"):
            for elderly in (False, True):
                set_language(client, language)
                set_mode(client, elderly)
                state = client.wait_for_screen("pickup_code", 20, predicate=lambda s: s.get("settled"))
                assert_services_fit(state, [], language)
                shot(client, f"menu-locker-{language}-{'elderly' if elderly else 'normal'}", "pickup_code")
        set_mode(client, False)
        return
    from config.loader import load_config

    # the site's services less those this build has no flow for (the kiosk logs them at start)
    log = kiosk.log_text()
    missing = {m.strip() for line in log.splitlines() if "services without a flow in this build" in line
               for m in line.split("not offered:", 1)[1].split(",")}
    services = [s.value for s in load_config(kiosk.config_path).site.services if s.value not in missing]
    for language in ("zh_CN", "en"):
        for elderly in (False, True):
            to_menu(client)
            set_language(client, language)
            set_mode(client, elderly)
            state = client.wait_for_screen("menu", 20, predicate=lambda s: s.get("settled") and len(
                [b for b in s["buttons"] if b["intent"] == "service"]) == len(services))
            assert_services_fit(state, services, language)
            mode = "elderly" if elderly else "normal"
            shot(client, f"menu-{kiosk.profile}-{language}-{mode}", "menu")
            assert client.state()["screen"] == "menu", "switching the mode keeps the session"
    client.post("CancelRequested")
    client.wait_for_screen("attract", 20)


def test_every_screen_in_elderly_mode_meets_the_numbers(kiosk):
    client = kiosk.client
    client.post("CancelRequested")
    set_language(client, "zh_CN")
    set_mode(client, True)
    p = kiosk.profile
    first = "pickup_code" if p == "locker" else "attract"
    check_accessibility(client, f"{p}-{first}", client.wait_for_screen(first, 20, predicate=lambda s: s["settled"]),
                        start_screen=True)
    set_language(client, "en")  # the English texts are longer: the start screen fits in both
    check_accessibility(client, f"{p}-{first}-en", client.wait_for_screen(first, 20, predicate=lambda s: s[
        "settled"] and s["language"] == "en"), start_screen=True)
    set_language(client, "zh_CN")
    if p == "locker":  # a code that is no pickup code: the refusal, with its way out
        # (a refused code goes back to the start, which ends the mode: the refusal is drawn directly)
        client.render(state="pickup_code", language="zh_CN", elderly=True, pickup_only=True,
                      message="code_malformed")
        state = client.wait_for_screen("pickup_code", 20, predicate=lambda s: s["settled"] and any(
            b["intent"] == "cancel" for b in s["buttons"]) and i18n.text("code_malformed", "zh_CN") in texts(s))
        check_accessibility(client, f"{p}-pickup_refused", state)
        client.post("CancelRequested")
        return
    client.tap(intent="start")
    check_accessibility(client, f"{p}-identify", client.wait_for_screen("identify", 20,
                                                                       predicate=lambda s: s["settled"]))
    client.post("CardRead", card=CARD)
    state = client.wait_for_screen("menu", 20, predicate=lambda s: s["settled"])
    check_accessibility(client, f"{p}-menu", state)
    client.post("CasesLoaded", cases=[CERTIFICATE_CASE])  # a case with its certificates' receive methods
    client.tap(intent="service", arg="case_status")
    state = client.wait_for_screen("cases", 20, predicate=lambda s: s["settled"] and "抵押权首次登记" in texts(s))
    assert drawn_whole(state, "抵押权首次登记"), "the card's title is drawn at the top of the list"
    assert not drawn_whole(state, "EA*******89CN"), "in 长辈模式 the card runs on below the viewport"
    check_accessibility(client, f"{p}-cases", state)
    # scrolled to its end: the certificates (the window, EMS with the masked waybill and its steps) in view
    state = scroll_to_end(client, "EA*******89CN", f"{p}-cases")
    assert drawn_whole(state, i18n.text("cases.cert.scan.created", "zh_CN"))
    assert not drawn_whole(state, "抵押权首次登记"), "the title has scrolled out of the viewport"
    check_accessibility(client, f"{p}-cases-end", state)
    client.tap(intent="finish")
    # the done screen opens with the 好差评 panel over it (kiosk.rating): the panel is checked, then the screen below
    state = client.wait_for_screen("done", 20, predicate=lambda s: s["settled"] and s["overlay"])
    check_accessibility(client, f"{p}-done-rating", state)
    client.tap(intent="rate_skip")
    check_accessibility(client, f"{p}-done", client.wait_for_screen("done", 20, predicate=lambda s: s[
        "settled"] and not s["overlay"]))
    client.post("CancelRequested")
    client.wait_for_screen("attract", 20)
    for guidance in ("move_closer", "turn_left", "blink"):
        client.render(state="verify", language="zh_CN", elderly=True, verify_guidance=guidance, verify_attempt=1,
                      verify_seconds_left=15)
        state = client.wait_for_screen("verify", 20, predicate=lambda s: s["settled"] and i18n.text(
            guidance, "zh_CN") in texts(s))
        check_accessibility(client, f"{p}-verify-{guidance}", state)
    client.render(state="identify", language="zh_CN", elderly=True, idle_warning=True, countdown_s=15)
    check_accessibility(client, f"{p}-idle_warning", client.wait_for_screen(
        "identify", 20, predicate=lambda s: s["overlay"] and s["settled"]))
    client.render(state="attract", language="zh_CN")
    client.post("CancelRequested")


def test_the_face_step_shows_the_live_camera_and_its_countdown_moves(kiosk):
    if kiosk.profile != "hall" or not CLIP.exists():
        pytest.skip("the hall walks the face step with the clip as its camera")
    client = kiosk.client
    client.post("CancelRequested")
    client.wait_for_screen("attract", 20)
    set_mode(client, False)
    client.render(state="verify", language="zh_CN", verify_guidance="turn_left", verify_attempt=1,
                  verify_seconds_left=9)
    seen = []

    def moved(s):
        for t in s["texts"]:
            if t["text"].startswith(i18n.text("verify.attempt", "zh_CN", attempt=1)) and t["text"] not in seen:
                seen.append(t["text"])
        return len(seen) >= 3

    client.wait_until(lambda s: s["screen"] == "verify" and moved(s), 20, "the countdown to move")
    assert seen == sorted(seen, key=lambda text: -int("".join(c for c in text.split("还剩")[1] if c.isdigit())))
    first = shot(client, "zh_CN", "verify_camera_1")
    second = shot(client, "zh_CN", "verify_camera_2")
    with Image.open(first) as a, Image.open(second) as b:
        box = (240, 700, 840, 1300)  # inside the face outline: the clip's picture, which moves
        crop_a, crop_b = a.convert("RGB").crop(box), b.convert("RGB").crop(box)
        assert len(crop_a.getcolors(1 << 22) or ()) > 500, "a camera picture, not an empty oval"
        assert crop_a.tobytes() != crop_b.tobytes(), "the picture is live"
    client.render(state="attract", language="zh_CN")


def test_the_idle_countdown_moves_each_second(kiosk):
    if kiosk.profile != "bank":
        pytest.skip("one profile is enough for the overlay's countdown (the session test covers every screen)")
    client = kiosk.client
    client.post("CancelRequested")
    client.wait_for_screen("attract", 20)
    client.tap(intent="start")
    client.wait_for_screen("identify", 20)
    seen: list[str] = []
    suffix = "秒后将自动退出"

    def collect(s):
        for t in s["texts"]:
            if t["text"].endswith(suffix) and t["text"] not in seen:
                seen.append(t["text"])
        return s["screen"] == "attract"

    client.wait_until(collect, IDLE_S + WARNING_S + 20, "the session to end")
    numbers = [int(text.removesuffix(suffix)) for text in seen]
    assert len(numbers) >= WARNING_S - 2, numbers
    assert numbers == sorted(numbers, reverse=True), numbers
