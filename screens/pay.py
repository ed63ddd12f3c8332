"""The payment screen (payment flow): choose a case, the itemised taxes and fees, confirm, the QR code for the
phone with a countdown, and the steps in between. It shows what the flow reports and sends the applicant's answers."""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.documents.receipts import yuan
from kiosk.flows.payment import CreatingOrder, Fees, NothingToPay, PrintingReceipt, Reconciling, WaitingForPayment
from kiosk.flows.steps import ChooseCase
from catalog import i18n
from catalog.durations import time_left
from screens.base import BaseScreen, KioskButton, KioskLabel

logger = logging.getLogger(__name__)

QR_SIDE = 640  # pixels on the 1080-wide screen: a phone reads it from arm's length

WAIT_TEXTS = {Reconciling: "pay.checking", CreatingOrder: "pay.creating", PrintingReceipt: "pay.printing"}


def qr_texture(data: str) -> Texture:
    """The QR code of `data` as a Kivy texture, one texel per module (drawn scaled with nearest filtering)."""
    import qrcode

    qr = qrcode.QRCode(border=4, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGBA")
    texture = Texture.create(size=image.size, colorfmt="rgba")
    texture.blit_buffer(image.tobytes(), colorfmt="rgba", bufferfmt="ubyte")
    texture.flip_vertical()
    texture.mag_filter = texture.min_filter = "nearest"
    return texture


def clock_text(seconds: int | None) -> str:
    """The time left in words ("剩余 14 分 58 秒"), never like a clock time."""
    return time_left(seconds, App.get_running_app().language)


class FeeRow(BoxLayout):
    name = StringProperty("")
    amount = StringProperty("")
    bold = StringProperty("")


class PayScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        step = view.flow
        self.ids.message.text = self.app.message((step.message if step else None) or view.message)
        # The countdown and the message change in place: the QR code stays where the phone is aimed.
        waiting = isinstance(step, WaitingForPayment)
        key = (type(step), (step.case, step.order_id) if waiting else step, self.app.language)
        if key != self._shown:
            self._shown = key
            self._build(step)
        countdown = getattr(self, "_countdown", None)
        if countdown is not None:
            left = step.seconds_left if waiting else None
            countdown.text = self.t("pay.countdown", time=clock_text(left)) if left is not None else ""

    def deactivate(self) -> None:
        self._shown = None
        self._countdown = None
        self.ids.body.clear_widgets()

    # -- building the body for a step ---------------------------------------------------------------------------
    def _build(self, step) -> None:
        body = self.ids.body
        body.clear_widgets()
        self._countdown = None
        prompt = ""
        footer = ("back", "", "button.back", None)  # intent, arg, text key, second button
        if isinstance(step, ChooseCase):
            prompt = self.t("pay.choose")
            for case in step.cases:
                title = self._case_title(case.title, case.kind)
                body.add_widget(KioskButton(text=f"{title}\n{case.case_id}", intent="flow",
                                            intent_arg=f"choose:{case.case_id}",
                                            height=self.app.button_height * 1.3))
        elif isinstance(step, NothingToPay):
            prompt = self.t("pay.nothing")
        elif isinstance(step, Fees):
            prompt = self.t("pay.confirm_hint")
            title = self._case_title(step.case.title, step.case.kind)
            body.add_widget(KioskLabel(text=f"{title}  {step.case.case_id}",
                                       color=self.app.color_muted, font_size=self.app.fs_small))
            for item in step.items:
                body.add_widget(FeeRow(name=self._fee_name(item), amount=yuan(item.amount_fen)))
            body.add_widget(FeeRow(name=self.t("pay.total", amount=""), amount=yuan(step.total_fen),
                                   bold="1"))
            if len(step.channel_options) > 1:  # the site takes several: each channel's own QR code, the applicant picks
                prompt = self.t("pay.choose_channel")
                for option in step.channel_options:
                    key = f"channel.{option.channel}"
                    name = self.t(key) if key in i18n.CATALOG else option.name
                    body.add_widget(KioskButton(text=self.t("pay.with", channel=name), intent="flow",
                                                intent_arg=f"confirm:{option.channel}"))
                footer = ("back", "", "button.back", None)  # nothing is ordered yet: back to the menu
            else:
                footer = ("back", "", "button.back", ("flow", "confirm", "pay.confirm"))
        elif isinstance(step, WaitingForPayment):
            aggregated = step.channel == "aggregated"  # one code: the phone pays in the app that scans it
            prompt = self.t("pay.scan_aggregated" if aggregated else "pay.scan")
            if step.pay_url:
                image = Image(texture=qr_texture(step.pay_url), size_hint=(None, None),
                              size=(QR_SIDE, QR_SIDE), fit_mode="fill", pos_hint={"center_x": 0.5})
                body.add_widget(image)
            body.add_widget(KioskLabel(text=self.t("pay.amount", amount=yuan(step.total_fen or 0)),
                                       bold=True, halign="center", font_size=self.app.fs_title))
            self._countdown = KioskLabel(text="", halign="center", color=self.app.color_warn)
            body.add_widget(self._countdown)
            if aggregated:
                body.add_widget(KioskLabel(text=self.t("pay.aggregated_apps"), halign="center",
                                           font_size=self.app.fs_small))
            elif step.channel_name or step.channels:
                body.add_widget(KioskLabel(text=self.t("pay.channels", channels="、".join(
                    (step.channel_name,) if step.channel_name else step.channels)), halign="center",
                    font_size=self.app.fs_small))
            body.add_widget(KioskLabel(text=self.t("pay.waiting"), halign="center", color=self.app.color_muted,
                                       font_size=self.app.fs_small))
            # What the order pays for, as the fees page showed it (a case chosen again resumes its order here),
            # below the countdown so that the QR code, the amount and the time left stay in view.
            if step.case is not None:
                title = self._case_title(step.case.title, step.case.kind)
                body.add_widget(KioskLabel(text=f"{title}  {step.case.case_id}", halign="center",
                                           color=self.app.color_muted, font_size=self.app.fs_small))
            for item in step.items:
                body.add_widget(FeeRow(name=self._fee_name(item), amount=yuan(item.amount_fen)))
            footer = ("flow", "cancel", "pay.cancel", None)
        elif type(step) in WAIT_TEXTS:
            prompt = self.t(WAIT_TEXTS[type(step)])
            footer = (None, "", "", None)
        self.ids.prompt.text = prompt
        self._footer(*footer)

    def _case_title(self, title: str | None, kind: str | None) -> str:
        """The gateway's titles are Chinese; in English the kind of registration is named instead."""
        key = f"kind.{kind}"
        if (self.app.language == "en" or not title) and key in i18n.CATALOG:
            return self.t(key)
        return title or ""

    def _fee_name(self, item) -> str:
        """A fee's name in the applicant's language: the gateway's Chinese name, or the catalog's for its code."""
        key = f"fee.{item.code}"
        if self.app.language == "en" and key in i18n.CATALOG:
            return self.t(key)
        return item.name

    def _footer(self, intent, arg, text_key, second) -> None:
        first_button, second_button = self.ids.first_button, self.ids.second_button
        self.ids.footer.spacing = self.app.pad if (intent and second) else 0
        for button, spec in ((first_button, (intent, arg, text_key) if intent else None), (second_button, second)):
            if spec is None:
                button.opacity, button.disabled, button.size_hint_x, button.width = 0, True, None, 0
                button.intent = ""
            else:
                button.intent, button.intent_arg = spec[0], spec[1]
                button.text = self.t(spec[2])
                button.opacity, button.disabled, button.size_hint_x = 1, False, 1
