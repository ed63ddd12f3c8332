"""Issue 20 item 7: one utterance at a time, the newest replacing the old, through the real espeak-ng (a wrapper
script records each command line, then runs espeak-ng writing WAV files: CI has no sound card); and every
instruction has a prompt: the locker's code screen, its door steps, each bank signing step, the e-certificate QR and
refusals."""
from __future__ import annotations

import os
import shutil
import stat

import pytest

from catalog import i18n
from kiosk.flows import e_certificate, mortgage_signing as ms
from kiosk.flows.mortgage_records import Party
from kiosk.pickup import steps as pickup_steps
from kiosk.session import SessionView, State
from kiosk.speech import ELDERLY_WORDS_PER_MINUTE, Speaker, SpokenPrompts, prompt_key
from tests.waiting import wait_for

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


@pytest.fixture
def recording_espeak(tmp_path):
    log = tmp_path / "calls.log"
    script = tmp_path / "espeak-recording"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{shutil.which("espeak-ng")}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def calls(log) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@needs_espeak
def test_a_burst_of_prompts_is_spoken_once_as_its_newest(tmp_path, recording_espeak):
    script, log = recording_espeak
    speaker = Speaker(binary=str(script), output_dir=tmp_path / "wav").start()
    try:
        for text in ("请再靠近一点。", "请眨一眨眼睛。", "请把头慢慢转向左边。", "请把头慢慢转向右边。"):
            speaker.say(text, "zh_CN")  # four guidance changes within a few milliseconds
        wait_for(lambda: speaker.spoken == 1 and speaker._current is None)
        said = calls(log)
        assert len(said) == 1 and said[0].endswith("请把头慢慢转向右边。"), said
    finally:
        speaker.stop()


@needs_espeak
def test_the_newest_prompt_cuts_off_the_one_being_spoken(tmp_path, recording_espeak):
    script, log = recording_espeak
    speaker = Speaker(binary=str(script)).start()  # to the (absent) sound card: speaks in real time
    try:
        speaker.say("这是一段很长的说明，" * 30, "zh_CN")
        wait_for(lambda: speaker._current is not None)
        first = speaker._current
        speaker.say("请取走身份证。", "zh_CN")
        wait_for(lambda: first.poll() is not None, what="the old utterance stopped")
        wait_for(lambda: speaker.spoken == 2)
        assert calls(log)[-1].endswith("请取走身份证。")
    finally:
        speaker.stop()


@needs_espeak
def test_elderly_mode_speaks_slower_and_the_volume_is_passed_on(tmp_path, recording_espeak):
    script, log = recording_espeak
    speaker = Speaker(binary=str(script), output_dir=tmp_path / "wav").start()
    prompts = SpokenPrompts(speaker)
    try:
        prompts(SessionView(state=State.IDENTIFY, language="zh_CN"))
        wait_for(lambda: speaker.spoken == 1 and speaker._current is None)
        prompts(SessionView(state=State.IDENTIFY, language="zh_CN", elderly=True, speech_volume=160))
        wait_for(lambda: speaker.spoken == 2 and speaker._current is None)
    finally:
        speaker.stop()
    normal, elderly = calls(log)
    assert f"-s {ELDERLY_WORDS_PER_MINUTE}" in elderly and f"-s {ELDERLY_WORDS_PER_MINUTE}" not in normal
    assert "-a 160" in elderly
    assert normal.endswith(i18n.text("identify.prompt", "zh_CN")) and elderly.endswith(
        i18n.text("identify.prompt", "zh_CN")), "said again in the new voice"


PARTY = Party(seq=1, role="mortgagor", name_masked="欧**", id_number_masked="1101**********1235")


@pytest.mark.parametrize("view,key", [
    (SessionView(state=State.ATTRACT, language="zh_CN", pickup_only=True), "pickup.prompt"),
    (SessionView(state=State.FLOW, language="zh_CN", service="pickup",
                 flow=pickup_steps.TakeCertificate(compartment="A01")), "pickup.take_hint"),
    (SessionView(state=State.FLOW, language="zh_CN", service="pickup",
                 flow=pickup_steps.DoorOpening(compartment="A01")), "pickup.opening"),
    (SessionView(state=State.FLOW, language="zh_CN", service="e_certificate",
                 flow=e_certificate.ShowingQr(case=None, url="x")), "e_cert.scan"),
    (SessionView(state=State.FLOW, language="zh_CN", service="mortgage_signing",
                 flow=ms.PartyFace(party=PARTY)), "bank.face_title"),
    (SessionView(state=State.FLOW, language="zh_CN", service="mortgage_signing",
                 flow=ms.PartyFace(party=PARTY, verify_guidance="blink")), "blink"),
    (SessionView(state=State.FLOW, language="zh_CN", service="mortgage_signing",
                 flow=ms.Sign(application=None, party=PARTY)), "bank.sign_prompt"),
    (SessionView(state=State.FLOW, language="zh_CN", service="mortgage_signing",
                 flow=ms.PartyFailed(message="no_match")), "no_match"),
    (SessionView(state=State.FLOW, language="zh_CN", service="e_certificate",
                 flow=e_certificate.NothingIssued(message="platform_unavailable")), "platform_unavailable"),
])
def test_every_instruction_has_its_prompt(view, key):
    assert prompt_key(view) == key


def test_a_bank_prompt_names_the_role_never_the_person():
    said = []
    speaker = type("Recorder", (), {"say": lambda self, text, language, **_: said.append(text)})()
    SpokenPrompts(speaker)(SessionView(state=State.FLOW, language="zh_CN", service="mortgage_signing",
                                       flow=ms.Sign(application=None, party=PARTY)))
    assert said == [i18n.text("bank.sign_prompt", "zh_CN", party=i18n.text("bank.role.mortgagor", "zh_CN"))]
    assert "欧" not in said[0]


def test_the_locker_code_screen_never_asks_for_the_id_card_first():
    key = prompt_key(SessionView(state=State.ATTRACT, language="zh_CN", pickup_only=True))
    assert "身份证" not in i18n.text(key, "zh_CN")
