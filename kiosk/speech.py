"""Spoken prompts (config ui.speech): espeak-ng reads each screen's main instruction aloud, off every UI thread.

`Speaker` runs espeak-ng in a subprocess from its own thread; a new prompt interrupts the one being spoken (the
screen has moved on) and only the newest waiting prompt is kept. `SpokenPrompts` is a session observer: it picks the
instruction of the current view (screen, flow step, message, outcome) and hands it to the speaker when it changes.
Only catalog texts are spoken, never a name or a number from the applicant's data.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

from kiosk.flows import e_certificate, mortgage_certificate, mortgage_signing, payment, proof, transfers
from kiosk.flows.case_status import CaseList
from kiosk.flows.steps import ChooseCase
from kiosk.pickup import steps as pickup_steps

logger = logging.getLogger(__name__)

VOICES = {"zh_CN": "cmn", "en": "en-us"}
WORDS_PER_MINUTE = 150  # slower than espeak's default: many applicants are elderly
ELDERLY_WORDS_PER_MINUTE = 120  # 长辈模式: slower still
SETTLE_S = 0.3  # a burst of prompts (face guidance changes several times a second) is spoken as its newest one

# The instruction of each flow step, by service: what the applicant is asked to do there.
STEP_PROMPTS = {
    "payment": {ChooseCase: "pay.choose", payment.NothingToPay: "pay.nothing", payment.Fees: "pay.confirm_hint",
                payment.WaitingForPayment: "pay.scan", payment.Reconciling: "pay.checking",
                payment.PrintingReceipt: "pay.printing"},
    "proof": {proof.ChooseKind: "proof.prompt", proof.PrintingProof: "proof.printing"},
    "transfers": {ChooseCase: "transfers.choose_case", transfers.ChooseUtilities: "transfers.prompt",
                  transfers.NothingToTransfer: "transfers.nothing"},
    "case_status": {CaseList: "cases.title"},
    "e_certificate": {ChooseCase: "e_cert.choose", e_certificate.NothingIssued: "e_cert.nothing",
                      e_certificate.CreatingLink: "e_cert.creating", e_certificate.ShowingQr: "e_cert.scan",
                      e_certificate.LinkExpired: "e_cert.expired"},
    "mortgage_signing": {mortgage_signing.StaffSignIn: "bank.enter_staff_no",
                         mortgage_signing.ChooseApplication: "bank.choose_prompt",
                         mortgage_signing.PartyCard: "bank.card_prompt", mortgage_signing.PartyFace: "bank.face_title",
                         mortgage_signing.ReadApplication: "bank.read_prompt", mortgage_signing.Sign: "bank.sign_prompt",
                         mortgage_signing.Submissions: "bank.submissions_prompt"},
    "mortgage_certificate": {mortgage_certificate.MortgageList: "mcert.prompt"},
    "pickup": {pickup_steps.CheckingCode: "pickup.checking", pickup_steps.DoorOpening: "pickup.opening",
               pickup_steps.DoorRetrying: "pickup.retrying", pickup_steps.TakeCertificate: "pickup.take_hint"},
}
STATE_PROMPTS = {"attract": "attract.prompt", "identify": "identify.prompt", "verify": "verify.reading",
                 "menu": "menu.prompt"}


class Speaker:
    """output_dir: write each utterance to a WAV file there instead of the loudspeaker (tests, no sound card)."""

    def __init__(self, binary: str = "espeak-ng", output_dir: str | Path | None = None,
                 words_per_minute: int = WORDS_PER_MINUTE):
        self.binary = shutil.which(binary) or binary
        self.output_dir = Path(output_dir) if output_dir else None
        self.words_per_minute = words_per_minute
        self.spoken = 0  # utterances handed to espeak-ng (for tests and the heartbeat)
        self._pending: tuple[str, str] | None = None
        self._current: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_logged = False

    def start(self) -> "Speaker":
        # Said at start, not at the first prompt: the first prompts of a burst may all be superseded before one is
        # spoken, and the operator should learn of a missing espeak-ng when the kiosk starts, not by chance.
        if not self._startable():
            self._log_unavailable("not found")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def say(self, text: str, language: str, *, words_per_minute: int | None = None, volume: int | None = None) -> None:
        """Never blocks: the newest prompt replaces a waiting one and cuts off the one being spoken."""
        if not text:
            return
        with self._lock:
            self._pending = (text, language, words_per_minute or self.words_per_minute, volume)
        self._interrupt()
        self._wake.set()

    def _interrupt(self) -> None:
        with self._lock:
            current = self._current
        if current is not None and current.poll() is None:
            current.terminate()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            # Let a burst settle: only its newest prompt is spoken, one utterance at a time.
            while not self._stop.wait(SETTLE_S) and self._wake.is_set():
                self._wake.clear()
            with self._lock:
                item, self._pending = self._pending, None
            if item is None or self._stop.is_set():
                continue
            self._speak(*item)

    def _speak(self, text: str, language: str, words_per_minute: int | None = None, volume: int | None = None) -> None:
        command = [self.binary, "-v", VOICES.get(language, "cmn"), "-s", str(words_per_minute or self.words_per_minute)]
        if volume is not None:
            command += ["-a", str(int(volume))]
        if self.output_dir is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            command += ["-w", str(self.output_dir / f"prompt-{self.spoken + 1:04d}.wav")]
        command += ["--", text]
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        except OSError as exc:
            self._log_unavailable(type(exc).__name__)
            return
        with self._lock:
            self._current = process
        self.spoken += 1
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        finally:
            with self._lock:
                self._current = None


    def _startable(self) -> bool:
        return shutil.which(self.binary) is not None

    def _log_unavailable(self, why: str) -> None:
        if not self._failed_logged:  # once: a kiosk without espeak-ng keeps working, silently
            logger.error("spoken prompts unavailable: %s cannot be started (%s)", self.binary, why)
            self._failed_logged = True


def prompt_key(view) -> str | None:
    """The catalog key of the instruction the applicant should hear for this view, or None."""
    if getattr(view, "idle_warning", False):
        return "idle.title"
    help_status = getattr(view, "help_status", None)  # call staff (kiosk.staff_help): the notice over the screen
    if help_status in ("sending", "coming", "failed"):
        return f"help.{help_status}"
    state = getattr(view.state, "value", view.state)
    rating_page = getattr(view, "rating_page", None)  # 好差评 over the done screen (kiosk.rating)
    if state == "done" and rating_page:
        return view.rating_message or f"rating.{rating_page}"
    step = getattr(view, "flow", None)
    if state == "done":
        return view.outcome or "finished"
    if view.message and state in ("identify", "menu", "flow", "pickup_code"):
        return view.message
    if state == "verify" and view.verify_guidance:
        return view.verify_guidance
    if state == "queue":  # kiosk.hall_queue
        return view.queue_message or {"choose": "queue.choose", "issuing": "queue.issuing"}.get(
            view.queue_page or "", "queue.printed" if view.queue_printed else "queue.not_printed")
    if state == "guide":  # kiosk.guide
        return view.guide_message or ("guide.choose" if view.guide_page == "list" else None)
    if state == "staff_assist":  # kiosk.staff_assist: each page's instruction
        return view.assist_message or {"credential": "assist.credential", "pin": "assist.pin",
                                       "applicant_card": "assist.applicant_card", "confirm": "assist.confirm",
                                       "checking": "assist.checking"}.get(view.assist_page or "", "assist.refused")
    if state == "flow":
        if getattr(step, "message", None):  # a refusal or a problem shown with the step
            return step.message
        if isinstance(step, mortgage_signing.PartyFace) and step.verify_guidance not in (None, "starting"):
            return step.verify_guidance
        if isinstance(step, mortgage_signing.StaffSignIn) and getattr(step, "asking_pin", False):
            return "bank.enter_pin"
        if isinstance(step, mortgage_signing.ReadApplication) and step.declining:
            return "bank.decline_prompt"
        if isinstance(step, payment.WaitingForPayment) and step.channel == "aggregated":
            return "pay.scan_aggregated"  # the one code: say which apps can pay it
        return STEP_PROMPTS.get(view.service or "", {}).get(type(step))
    if state in ("attract", "pickup_code") and getattr(view, "pickup_only", False):
        return "pickup.prompt"  # a locker asks for the pickup code first, not for the ID card
    return STATE_PROMPTS.get(state)


def prompt_values(view, key: str, text) -> dict:
    """What a prompt's placeholders are filled with: a role or a door label, never a name or a number of the
    applicant's."""
    step = getattr(view, "flow", None)
    values: dict = {}
    party = getattr(step, "party", None)
    if party is not None:
        values["party"] = text(f"bank.role.{party.role}", view.language)
    if getattr(step, "compartment", ""):
        values["compartment"] = step.compartment
    return values


class SpokenPrompts:
    """Session observer (core thread): speaks the view's instruction when it changes; returns at once."""

    def __init__(self, speaker: Speaker, text=None):
        if text is None:
            from catalog.i18n import text  # the one catalog
        self.speaker = speaker
        self.text = text
        self._last: tuple | None = None

    def __call__(self, view) -> None:
        key = prompt_key(view)
        elderly = bool(getattr(view, "elderly", False))
        volume = getattr(view, "speech_volume", None)
        values = prompt_values(view, key, self.text) if key else {}
        # Said again when the applicant changes the volume or the mode: they hear what they chose.
        marker = (key, view.language, tuple(sorted(values.items())), elderly, volume)
        if key is None or marker == self._last:
            return
        self._last = marker
        try:
            spoken = self.text(key, view.language, **values)
        except (KeyError, IndexError, ValueError):
            spoken = self.text(key, view.language)
        self.speaker.say(spoken, view.language, volume=volume,
                         words_per_minute=ELDERLY_WORDS_PER_MINUTE if elderly else None)
