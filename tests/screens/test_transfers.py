"""Transfers end to end: the real kiosk app and gateway; the applicant ticks utilities on the real widgets and the
request reaches the gateway through the kiosk's outbox."""
from __future__ import annotations

import os
import shutil
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.models import KioskEvent
from catalog import i18n
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, at_attract, shot, texts
from tests.screens.test_pay import sign_in, step_shown

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """With spoken prompts on (config ui.speech), written as WAV files: CI has no sound card."""
    workdir = tmp_path_factory.mktemp("transfers")
    demo = DemoStack(workdir, config_extra={"ui": {"speech": True}})
    os.environ["KIOSK_SPEECH_WAV_DIR"] = str(workdir / "speech")  # inherited by the kiosk process only
    try:
        demo.start()
    except Exception:
        if demo.kiosk is not None:
            print(demo.kiosk.log_text())
        raise
    finally:
        del os.environ["KIOSK_SPEECH_WAV_DIR"]
    yield demo
    demo.stop()


def requests_at_gateway(stack) -> list[dict]:
    engine = create_engine(f"sqlite:///{stack.gateway.database}")
    try:
        with Session(engine) as db:
            return [e.payload for e in db.execute(select(KioskEvent).where(
                KioskEvent.kind == "transfer_request")).scalars()]
    finally:
        engine.dispose()


@pytest.fixture
def kiosk(stack):
    yield from at_attract(stack)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_choose_utilities_and_send(kiosk, language):
    stack = kiosk
    client = stack.client
    before = len(requests_at_gateway(stack))
    sign_in(stack, "obama", language)
    client.tap(intent="service", arg="transfers")
    state = client.wait_until(lambda s: s["screen"] in ("transfers", "done"), 30, "the transfers screen")
    assert state["screen"] == "transfers", f"the flow ended at once: {texts(state)}"
    if any(b["arg"].startswith("choose:") for b in state["buttons"]):
        assert_fits(state)
        shot(client, language, "transfers_choose_case")
        client.tap(intent="flow", arg=next(b["arg"] for b in state["buttons"] if b["arg"].startswith("choose:")))
    state = client.wait_for_screen("transfers", 30, predicate=step_shown("transfers.prompt", language))
    confirm = next(b for b in state["buttons"] if b["arg"] == "confirm")
    assert not confirm["available"], "nothing chosen yet: nothing to send"
    # the utilities and the household registration under their own headings, with full labels
    keys = ("transfers.group.utilities", "utility.electricity", "transfers.group.household", "utility.household")
    ys = [next(x["y"] for x in state["texts"] if x["text"] == i18n.text(k, language)) for k in keys]
    assert ys in (sorted(ys), sorted(ys, reverse=True)), "each under its heading, one group after the other"
    assert i18n.text("utility.electricity", "zh_CN") != "电"
    for utility in ("water", "household"):  # one at a time, as a finger does, each seen chosen before the next
        client.tap(intent="flow", arg=f"toggle:{utility}")
        chosen = i18n.text("transfers.chosen", language, item=i18n.text(f"utility.{utility}", language))
        state = client.wait_for_screen("transfers", 10, predicate=lambda s: chosen in texts(s))
    assert_fits(state)
    shot(client, language, "transfers_choose")
    client.tap(intent="flow", arg="confirm")
    state = client.wait_for_screen("done", 30)
    assert i18n.text("transfers_submitted", language) in texts(state)
    assert_fits(state)
    deadline = time.monotonic() + 30
    while len(requests_at_gateway(stack)) == before and time.monotonic() < deadline:
        time.sleep(0.3)
    sent = requests_at_gateway(stack)
    assert len(sent) == before + 1 and sent[-1]["utilities"] == ["water", "household"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_prompts_are_spoken_as_the_screens_change(kiosk):
    stack = kiosk
    speech = stack.workdir / "speech"
    client = stack.client
    def spoken_after(count, what):
        deadline = time.monotonic() + 20
        while len(list(speech.glob("*.wav"))) <= count and time.monotonic() < deadline:
            time.sleep(0.2)
        now = len(list(speech.glob("*.wav")))
        assert now > count, f"the {what} prompt was spoken"
        return now

    before = len(list(speech.glob("*.wav")))
    sign_in(stack, "obama")
    # The menu's prompt first (a prompt that comes within the settling pause of the next is replaced by it, by design).
    after_menu = spoken_after(before, "menu")
    client.tap(intent="service", arg="transfers")
    client.wait_for_screen("transfers", 30, predicate=step_shown("transfers.prompt"))
    spoken_after(after_menu, "transfers")
    assert client.state()["ok"], "the UI kept answering while speaking"
