"""The certificate self-print screen (certificate_print flow): it draws the flow's step and sends the answers; the
signature pad is the one of screens/signing.py, its PNG goes to the flow in memory."""
from __future__ import annotations

import logging

from kivy.factory import Factory

from kiosk import events as ev
from kiosk.flows import certificate_print as cp
from screens.base import BaseScreen, KioskButton, KioskLabel
from screens.signing import SignaturePad

logger = logging.getLogger(__name__)

PROMPTS = {cp.CertificatesReady: "cert.choose", cp.NothingToPrint: "cert.nothing",
           cp.CertificatePreview: "cert.preview", cp.PrintingCertificate: "cert.printing",
           cp.CertificateCollected: "cert.collected", cp.ReceiveOptions: "cert.receive_prompt",
           cp.AddressEntry: "cert.address_prompt"}


class CertificatePrintScreen(BaseScreen):
    _shown: tuple | None = None
    _pad: SignaturePad | None = None
    _keyboard = None
    _restored = ""  # the address typed before 长辈模式 was switched (the screen was made afresh)

    def carry(self) -> dict | None:  # the address typed so far, across a 长辈模式 switch
        return {"typed": self._keyboard.text} if self._keyboard is not None and self._keyboard.text else None

    def restore(self, carried: dict) -> None:
        self._restored = carried.get("typed", "")

    def render(self, view) -> None:
        step = view.flow
        key = (step, self.app.language)
        if key != self._shown:
            self._shown = key
            self._local_hint = None
            self._build(step)
        self.ids.message.text = self.message_text((step.message if step else None) or view.message)

    def deactivate(self) -> None:
        # the preview shows the holder's name and address, the pad a signature: gone when the screen is left
        self._shown = self._local_hint = None
        self._pad = self._keyboard = None
        self.ids.body.clear_widgets()
        self.ids.footer.clear_widgets()

    def _build(self, step) -> None:
        body, footer = self.ids.body, self.ids.footer
        # Only a long page scrolls: a finger on the signature pad or the keyboard writes or types, and a tap on a
        # short list goes straight to its button (a scroll view holds every touch back until it knows it is no drag)
        self.ids.scroller.do_scroll_y = isinstance(step, cp.CertificatePreview) or (
            isinstance(step, cp.CertificatesReady) and len(step.certificates) > 4)
        self.ids.scroller.scroll_y = 1
        body.clear_widgets()
        footer.clear_widgets()
        self.ids.prompt.text = self.t(PROMPTS[type(step)]) if type(step) in PROMPTS else ""
        if isinstance(step, cp.CertificatesReady):
            for item in step.certificates:
                button = KioskButton(text=f"{item.holder_name}（{item.share}）\n{item.certificate_no}",
                                     intent="flow", intent_arg=f"preview:{item.copy_id}")
                button.height = self.app.button_height * 1.6
                body.add_widget(button)
            footer.add_widget(self._button("button.back", "back", ""))
            footer.add_widget(self._button("cert.finish", "flow", "finish"))
        elif isinstance(step, cp.CertificatePreview):
            for field, value in step.entries:
                body.add_widget(KioskLabel(text=self.t(f"cert.field.{field}"), bold=True, color=self.app.color_muted,
                                           font_size=self.app.fs_small))
                body.add_widget(KioskLabel(text=value))
            footer.add_widget(self._button("button.back", "flow", "back", secondary=True))
            footer.add_widget(self._button("cert.other", "flow", "other", secondary=True))
            footer.add_widget(self._button("cert.print", "flow", "print"))
        elif isinstance(step, cp.ReceiveOptions):
            for method in step.methods:
                body.add_widget(KioskButton(text=self.t(f"cert.receive.{method}"), intent="flow",
                                            intent_arg=f"receive:{method}"))
            footer.add_widget(self._button("button.back", "flow", "back", secondary=True))
        elif isinstance(step, cp.AddressEntry):
            from screens.keyboard import ChineseKeyboard

            # The same keyboard across a redraw (a language switch, an address refused): what is typed, pinyin not
            # yet turned into characters included, stays; its command keys are worded again.
            keyboard = self._keyboard
            if keyboard is None:
                keyboard = self._keyboard = ChineseKeyboard()
                keyboard.set_text(self._restored)
                self._restored = ""
            else:
                keyboard.relabel()
            body.add_widget(keyboard)
            footer.add_widget(self._button("button.back", "flow", "back", secondary=True))
            confirm = KioskButton(text=self.t("cert.address_confirm"))
            confirm.bind(on_release=lambda *_: self.app.post(ev.FlowAnswer("address", keyboard.text)))
            footer.add_widget(confirm)
        elif isinstance(step, cp.ReceiveRecorded):
            body.add_widget(KioskLabel(text=self.t(f"cert.recorded.{step.method}", waybill=step.waybill),
                                       color=self.app.color_ok))
            if step.remaining:
                footer.add_widget(self._button("cert.next", "flow", "next", secondary=True))
            footer.add_widget(self._button("cert.finish", "flow", "finish"))
        elif isinstance(step, cp.PrintingCertificate):
            self._voided(body, step.voided)
        elif isinstance(step, cp.SignForReceipt):
            self.ids.prompt.text = self.t("cert.sign", serial=step.serial)
            self._voided(body, step.voided)
            self._pad = SignaturePad(size_hint_y=None, height=800)
            self._pad.bind(points=lambda _pad, points: points and self.show_local_hint(None))
            body.add_widget(self._pad)
            clear = Factory.SecondaryButton(text=self.t("cert.clear"))
            clear.bind(on_release=lambda *_: self._pad.clear())
            submit = KioskButton(text=self.t("cert.submit"))
            submit.bind(on_release=lambda *_: self._submit())
            footer.add_widget(clear)
            footer.add_widget(submit)
        elif isinstance(step, cp.CertificateCollected):
            body.add_widget(KioskLabel(text=step.serial, halign="center", font_size=self.app.fs_title, bold=True))
            if step.case_closed:
                body.add_widget(KioskLabel(text=self.t("cert.case_closed"), color=self.app.color_ok))
            if step.remaining:
                footer.add_widget(self._button("cert.next", "flow", "next", secondary=True))
            footer.add_widget(self._button("cert.finish", "flow", "finish"))
        else:
            footer.add_widget(self._button("button.back", "back", ""))

    def _voided(self, body, voided) -> None:
        for serial, reason in voided:
            reason_key = f"cert.reason.{reason}"
            body.add_widget(KioskLabel(text=self.t("cert.voided", serial=serial,
                                                   reason=self.t(reason_key) if reason_key in _catalog() else reason),
                                       color=self.app.color_warn))

    def _button(self, text_key, intent, arg, secondary=False):
        cls = Factory.SecondaryButton if secondary else KioskButton
        return cls(text=self.t(text_key), intent=intent, intent_arg=arg)

    def _submit(self) -> None:
        pad = self._pad
        if pad is None:
            return
        if not pad.has_signature():
            self.show_local_hint("cert.sign_first")
            return
        png = pad.png()
        pad.clear()
        self.app.post(ev.FlowAnswer("sign", png))


def _catalog():
    from catalog.i18n import CATALOG

    return CATALOG
