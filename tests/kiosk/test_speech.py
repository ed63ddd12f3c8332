"""Spoken prompts: the real espeak-ng writes WAV files (no sound card in CI); prompts follow the session's views."""
from __future__ import annotations

import shutil
import time
import wave

import pytest

from kiosk import events as ev
from kiosk.session import Session
from kiosk.speech import Speaker, SpokenPrompts, prompt_key
from tests.waiting import wait_for

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


@needs_espeak
def test_speaker_speaks_chinese_and_english_without_blocking(tmp_path):
    speaker = Speaker(output_dir=tmp_path).start()
    try:
        started = time.monotonic()
        speaker.say("请把身份证放在下方的读卡区", "zh_CN")
        assert time.monotonic() - started < 0.5, "say() hands over and returns"
        wait_for(lambda: speaker.spoken == 1 and speaker._current is None)
        speaker.say("Place your ID card on the reader below", "en")
        wait_for(lambda: speaker.spoken == 2 and speaker._current is None)
    finally:
        speaker.stop()
    for path in sorted(tmp_path.glob("*.wav")):
        with wave.open(str(path)) as audio:
            assert audio.getnframes() / audio.getframerate() > 1.0, f"{path.name} holds speech"


def test_a_missing_binary_is_logged_once_and_nothing_breaks(tmp_path, caplog):
    speaker = Speaker(binary=str(tmp_path / "no-such-espeak")).start()
    try:
        speaker.say("一", "zh_CN")
        time.sleep(0.3)
        speaker.say("二", "zh_CN")
        time.sleep(0.3)
    finally:
        speaker.stop()
    assert speaker.spoken == 0
    assert sum("spoken prompts unavailable" in r.message for r in caplog.records) == 1


class Recorder:
    def __init__(self):
        self.said = []

    def say(self, text, language, **_voice):
        self.said.append((text, language))


def test_prompts_follow_the_session_and_are_not_repeated_on_every_tick():
    now = [0.0]
    session = Session(["case_status", "payment"], clock=lambda: now[0])
    recorder = Recorder()
    session.subscribe(SpokenPrompts(recorder, text=lambda key, language: f"{language}:{key}"))
    session.handle(ev.StartRequested())
    for step in range(3):
        now[0] += 0.5
        session.handle(ev.Tick(now[0]))
    session.handle(ev.LanguageChanged("en"))
    assert recorder.said == [("zh_CN:identify.prompt", "zh_CN"), ("en:identify.prompt", "en")]


def test_prompt_keys_name_no_personal_data():
    from kiosk.session import SessionView, State

    from kiosk.flows.payment import Fees
    from kiosk.flows.steps import CaseChoice

    view = SessionView(state=State.FLOW, language="zh_CN", service="payment",
                       flow=Fees(case=CaseChoice("BDC1")), applicant_name="欧**")
    assert prompt_key(view) == "pay.confirm_hint"
    assert prompt_key(SessionView(state=State.DONE, language="en", outcome="payment_done")) == "payment_done"
