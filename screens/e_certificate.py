"""The e-certificate screen (e_certificate flow): choose the case, then a QR code the phone scans to download the
e-certificate and the contract, with a countdown until the link expires. It shows what the flow reports and sends the
applicant's answers; the countdown is drawn here, from the expiry time the flow gave."""
from __future__ import annotations

import logging
import time

from kivy.clock import Clock
from kivy.uix.image import Image

from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel
from screens.pay import QR_SIDE, clock_text, qr_texture
from screens.transfers import TransfersScreen

logger = logging.getLogger(__name__)

PROMPTS = {"choose_case": "e_cert.choose", "nothing_issued": "e_cert.nothing", "creating": "e_cert.creating",
           "showing_qr": "e_cert.scan", "expired": "e_cert.expired"}
# The footer of each step: (intent, arg, text key) of the left button, then of the right one (None: hidden).
FOOTERS = {"showing_qr": (("back", "", "button.back"), ("flow", "done", "e_cert.done")),
           "expired": (("flow", "done", "e_cert.close"), ("flow", "again", "e_cert.again"))}
DEFAULT_FOOTER = (("back", "", "button.back"), None)


class ECertificateScreen(BaseScreen):
    _shown: tuple | None = None
    _countdown: KioskLabel | None = None
    _expires_at: float | None = None
    _ticker = None

    def render(self, view) -> None:
        data = view.flow_data
        step = data.get("step")
        self.ids.message.text = self.app.message(data.get("message") or view.message)
        key = (step, data.get("case_id"), data.get("url"), self.app.language)
        if key != self._shown:
            self._shown = key
            self._build(step, data)

    def deactivate(self) -> None:
        # The QR code is a key to the applicant's documents: gone from the widget tree as soon as the screen is left.
        self._stop_countdown()
        self._shown = None
        self.ids.body.clear_widgets()

    def _build(self, step, data) -> None:
        body = self.ids.body
        body.clear_widgets()
        self._stop_countdown()
        self.ids.prompt.text = self.t(PROMPTS[step]) if step in PROMPTS else ""
        if step == "choose_case":
            for case in data.get("cases", []):
                body.add_widget(KioskButton(text=f"{self._title(case.get('title'), case.get('kind'))}\n"
                                                 f"{case.get('case_id')}", intent="flow",
                                            intent_arg=f"choose:{case.get('case_id')}",
                                            height=self.app.button_height * 1.3))
        elif step == "showing_qr" and data.get("url"):
            body.add_widget(KioskLabel(text=f"{self._title(data.get('case_title'), data.get('case_kind'))}  "
                                            f"{data.get('case_id', '')}", halign="center",
                                       color=self.app.color_muted, font_size=self.app.fs_small))
            body.add_widget(Image(texture=qr_texture(data["url"]), size_hint=(None, None), size=(QR_SIDE, QR_SIDE),
                                  fit_mode="fill", pos_hint={"center_x": 0.5}))
            documents = "、".join(self.t(f"e_cert.doc.{d}") for d in data.get("documents", [])
                                  if f"e_cert.doc.{d}" in i18n.CATALOG)
            if self.app.language == "en":
                documents = documents.replace("、", ", ")
            body.add_widget(KioskLabel(text=self.t("e_cert.documents", documents=documents), halign="center"))
            self._countdown = KioskLabel(text="", halign="center", bold=True, color=self.app.color_warn)
            body.add_widget(self._countdown)
            body.add_widget(KioskLabel(text=self.t("e_cert.private"), halign="center", color=self.app.color_muted,
                                       font_size=self.app.fs_small))
            self._expires_at = data.get("expires_at")
            self._tick()
            self._ticker = Clock.schedule_interval(self._tick, 0.5)
        self._footer(*FOOTERS.get(step, DEFAULT_FOOTER))

    def _tick(self, *_args) -> None:
        if self._countdown is None or self._expires_at is None:
            return
        left = max(0, int(self._expires_at - time.time()))
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
