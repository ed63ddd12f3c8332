"""The e-certificate screen (e_certificate flow): choose the case, then a QR code the phone scans to download the
e-certificate and the contract, with a countdown until the link expires. It shows what the flow reports and sends the
applicant's answers; the countdown is drawn here, from the expiry time the flow gave."""
from __future__ import annotations

import logging
import time

from kivy.clock import Clock
from kivy.uix.image import Image

from kiosk.flows.e_certificate import CreatingLink, LinkExpired, NothingIssued, ShowingQr
from kiosk.flows.steps import ChooseCase
from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel
from screens.pay import QR_SIDE, clock_text, qr_texture
from screens.transfers import TransfersScreen

logger = logging.getLogger(__name__)

PROMPTS = {ChooseCase: "e_cert.choose", NothingIssued: "e_cert.nothing", CreatingLink: "e_cert.creating",
           ShowingQr: "e_cert.scan", LinkExpired: "e_cert.expired"}
# The footer of each step: (intent, arg, text key) of the left button, then of the right one (None: hidden).
FOOTERS = {ShowingQr: (("back", "", "button.back"), ("flow", "done", "e_cert.done")),
           LinkExpired: (("flow", "done", "e_cert.close"), ("flow", "again", "e_cert.again"))}
DEFAULT_FOOTER = (("back", "", "button.back"), None)


class ECertificateScreen(BaseScreen):
    _shown: tuple | None = None
    _countdown: KioskLabel | None = None
    _expires_at: float | None = None
    _ticker = None

    _session_ends: float | None = None

    def render(self, view) -> None:
        step = view.flow
        # The code is of use only while the session lasts: the time shown is the sooner of the two (issue 20 #9).
        self._session_ends = getattr(view, "idle_ends_at", None)
        self.ids.message.text = self.app.message((step.message if step else None) or view.message)
        key = (step, self.app.language)
        if key != self._shown:
            self._shown = key
            self._build(step)

    def deactivate(self) -> None:
        # The QR code is a key to the applicant's documents: gone from the widget tree as soon as the screen is left.
        self._stop_countdown()
        self._shown = None
        self.ids.body.clear_widgets()

    def _build(self, step) -> None:
        body = self.ids.body
        body.clear_widgets()
        self._stop_countdown()
        self.ids.prompt.text = self.t(PROMPTS[type(step)]) if type(step) in PROMPTS else ""
        if isinstance(step, ChooseCase):
            for case in step.cases:
                body.add_widget(KioskButton(text=f"{self._title(case.title, case.kind)}\n"
                                                 f"{case.case_id}", intent="flow",
                                            intent_arg=f"choose:{case.case_id}",
                                            height=self.app.button_height * 1.3))
        elif isinstance(step, ShowingQr) and step.url:
            body.add_widget(KioskLabel(text=f"{self._title(step.case.title, step.case.kind)}  "
                                            f"{step.case.case_id}", halign="center",
                                       color=self.app.color_muted, font_size=self.app.fs_small))
            body.add_widget(Image(texture=qr_texture(step.url), size_hint=(None, None), size=(QR_SIDE, QR_SIDE),
                                  fit_mode="fill", pos_hint={"center_x": 0.5}))
            documents = "、".join(self.t(f"e_cert.doc.{d}") for d in step.documents
                                  if f"e_cert.doc.{d}" in i18n.CATALOG)
            if self.app.language == "en":
                documents = documents.replace("、", ", ")
            body.add_widget(KioskLabel(text=self.t("e_cert.documents", documents=documents), halign="center"))
            self._countdown = KioskLabel(text="", halign="center", bold=True, color=self.app.color_warn)
            body.add_widget(self._countdown)
            body.add_widget(KioskLabel(text=self.t("e_cert.private"), halign="center", color=self.app.color_muted,
                                       font_size=self.app.fs_small))
            self._expires_at = step.expires_at
            self._tick()
            self._ticker = Clock.schedule_interval(self._tick, 0.5)
        self._footer(*FOOTERS.get(type(step), DEFAULT_FOOTER))

    def _tick(self, *_args) -> None:
        if self._countdown is None or self._expires_at is None:
            return
        left = max(0, int(self._expires_at - time.time()))
        if self._session_ends is not None:  # the session's clock is time.monotonic
            left = min(left, max(0, int(self._session_ends - time.monotonic())))
        self._countdown.text = self.t("e_cert.countdown", time=clock_text(left))

    def _stop_countdown(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        self._ticker = self._countdown = self._expires_at = None

    # The gateway's case titles are Chinese; in English the kind of registration is named instead.
    _title = TransfersScreen._title

    def _footer(self, left, right) -> None:
        self.ids.footer.spacing = self.app.pad if right else 0
        for button, spec in ((self.ids.left_button, left), (self.ids.right_button, right)):
            if spec is None:
                button.opacity, button.disabled, button.size_hint_x, button.width = 0, True, None, 0
                button.intent = ""
            else:
                button.intent, button.intent_arg, button.text = spec[0], spec[1], self.t(spec[2])
                button.opacity, button.disabled, button.size_hint_x = 1, False, 1
