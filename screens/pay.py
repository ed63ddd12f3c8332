"""The payment screen (payment flow): choose a case, the itemised taxes and fees, confirm, the QR code for the
phone with a countdown, and the steps in between. It shows what the flow reports and sends the applicant's answers."""
from __future__ import annotations

import logging

from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.documents.receipts import yuan
from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel

logger = logging.getLogger(__name__)

QR_SIDE = 640  # pixels on the 1080-wide screen: a phone reads it from arm's length

WAIT_TEXTS = {"reconciling": "pay.checking", "creating": "pay.creating", "printing": "pay.printing"}


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
    if seconds is None:
        return ""
    return f"{seconds // 60:d}:{seconds % 60:02d}"


class FeeRow(BoxLayout):
    name = StringProperty("")
    amount = StringProperty("")
    bold = StringProperty("")


class PayScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        data = view.flow_data
        step = data.get("step")
        self.ids.message.text = self.app.message(data.get("message") or view.message)
        key = (step, data.get("case_id"), data.get("order_id"), self.app.language)
        if key != self._shown:
            self._shown = key
            self._build(step, data)
        countdown = getattr(self, "_countdown", None)
        if countdown is not None:
            left = data.get("seconds_left")
            countdown.text = self.t("pay.countdown", time=clock_text(left)) if left is not None else ""

    def deactivate(self) -> None:
        self._shown = None
        self._countdown = None
        self.ids.body.clear_widgets()

    # -- building the body for a step ---------------------------------------------------------------------------
    def _build(self, step, data) -> None:
        body = self.ids.body
        body.clear_widgets()
        self._countdown = None
        prompt = ""
        footer = ("back", "", "button.back", None)  # intent, arg, text key, second button
        if step == "choose_case":
            prompt = self.t("pay.choose")
            for case in data.get("cases", []):
                title = self._case_title(case.get("title"), case.get("kind"))
                body.add_widget(KioskButton(text=f"{title}\n{case.get('case_id')}", intent="flow",
                                            intent_arg=f"choose:{case.get('case_id')}",
                                            height=self.app.button_height * 1.3))
        elif step == "nothing_to_pay":
            prompt = self.t("pay.nothing")
        elif step == "fees":
            prompt = self.t("pay.confirm_hint")
            title = self._case_title(data.get("case_title"), data.get("case_kind"))
            body.add_widget(KioskLabel(text=f"{title}  {data.get('case_id', '')}",
                                       color=self.app.color_muted, font_size=self.app.fs_small))
            for item in data.get("items", []):
                body.add_widget(FeeRow(name=item["name"], amount=yuan(item["amount_fen"])))
            body.add_widget(FeeRow(name=self.t("pay.total", amount=""), amount=yuan(data.get("total_fen", 0)),
                                   bold="1"))
            options = data.get("channel_options") or []
            if len(options) > 1:  # the site takes more than one: each channel's own QR code, so the applicant picks
                prompt = self.t("pay.choose_channel")
                for option in options:
                    key = f"channel.{option['channel']}"
                    name = self.t(key) if key in i18n.CATALOG else option["name"]
                    body.add_widget(KioskButton(text=self.t("pay.with", channel=name), intent="flow",
                                                intent_arg=f"confirm:{option['channel']}"))
                footer = ("flow", "cancel", "pay.cancel", None)
            else:
                footer = ("flow", "cancel", "pay.cancel", ("flow", "confirm", "pay.confirm"))
        elif step == "waiting":
            prompt = self.t("pay.scan")
            if data.get("pay_url"):
                image = Image(texture=qr_texture(data["pay_url"]), size_hint=(None, None),
                              size=(QR_SIDE, QR_SIDE), fit_mode="fill", pos_hint={"center_x": 0.5})
                body.add_widget(image)
            body.add_widget(KioskLabel(text=self.t("pay.amount", amount=yuan(data.get("total_fen") or 0)),
                                       bold=True, halign="center", font_size=self.app.fs_title))
            self._countdown = KioskLabel(text="", halign="center", color=self.app.color_warn)
            body.add_widget(self._countdown)
            if data.get("channel_name") or data.get("channels"):
                body.add_widget(KioskLabel(text=self.t("pay.channels", channels="、".join(
                    [data["channel_name"]] if data.get("channel_name") else data["channels"])), halign="center",
                    font_size=self.app.fs_small))
            body.add_widget(KioskLabel(text=self.t("pay.waiting"), halign="center", color=self.app.color_muted,
                                       font_size=self.app.fs_small))
            footer = ("flow", "cancel", "pay.cancel", None)
        elif step in WAIT_TEXTS:
            prompt = self.t(WAIT_TEXTS[step])
            footer = (None, "", "", None)
        self.ids.prompt.text = prompt
        self._footer(*footer)

    def _case_title(self, title: str | None, kind: str | None) -> str:
        """The gateway's titles are Chinese; in English the kind of registration is named instead."""
        key = f"kind.{kind}"
        if (self.app.language == "en" or not title) and key in i18n.CATALOG:
            return self.t(key)
        return title or ""

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
