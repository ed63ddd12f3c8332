"""The staff-assisted check (kiosk.staff_assist): staff credential, PIN, the applicant's card, confirm and reason."""
from __future__ import annotations

import logging

from kivy.uix.textinput import TextInput

from kiosk.staff_assist import events as aev
from screens.base import BaseScreen, KioskLabel
from screens.maintenance_base import DeskButton, keypad
from screens.page_parts import key_pressed, page_label

logger = logging.getLogger(__name__)

MAX_PIN = 12
PIN_KEY_HEIGHT = 130
REASONS = ("elderly", "disability", "camera_failure", "other")
ASSIST_INTENTS = {"staff_assist": lambda _: aev.StaffAssistRequested()}


class StaffAssistScreen(BaseScreen):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._digits = ""
        self._built: tuple | None = None
        self._view = None
        self._other: TextInput | None = None

    def activate(self, view) -> None:
        self._digits = ""
        self._built = None

    def deactivate(self) -> None:
        self._digits = ""  # a PIN never outlives the pad
        self._built = None

    def render(self, view) -> None:
        self._view = view
        page = view.assist_page or "credential"
        key = (page, self.app.language, view.applicant_id)
        if key != self._built:
            self._built = key
            self._digits = ""
            self._build(page, view)
        self._show(page, view)

    # -- pages ---------------------------------------------------------------------------------------------------
    def _label(self, text: str, *, size=None, bold=False, color=None, id_=None) -> KioskLabel:
        label = page_label(text, size=size, bold=bold, color=color)
        if id_:
            self.ids[id_] = label
        return label

    def _build(self, page: str, view) -> None:
        body = self.ids.body
        body.clear_widgets()
        self._other = None
        self.ids.title.text = self.t("assist.title")
        if page == "credential":
            body.add_widget(self._label(self.t("assist.credential")))
            body.add_widget(self._label(self.t("assist.credential_hint"), size=self.app.fs_body,
                                        color=self.app.color_muted))
        elif page == "pin":
            body.add_widget(self._label(self.t("assist.pin")))
            body.add_widget(self._label(" ", size=self.app.fs_huge, id_="assist_digits"))
            body.add_widget(keypad(self.press, "assist_pin", ("clear", self.t("staff_pin.clear")),
                                   ("ok", self.t("staff_pin.ok")), key_height=PIN_KEY_HEIGHT))
        elif page == "applicant_card":
            body.add_widget(self._label(self.t("assist.applicant_card")))
        elif page == "confirm":
            body.add_widget(self._label(self.t("assist.confirm"), size=self.app.fs_body))
            body.add_widget(self._label(f"{view.applicant_name}  {view.applicant_id}", bold=True,
                                        color=self.app.color_primary))
            body.add_widget(self._label(self.t("assist.reason"), size=self.app.fs_body))
            for reason in REASONS[:3]:
                body.add_widget(DeskButton(lambda r=reason: self.choose(r), text=self.t(f"assist.reason.{reason}"),
                                           intent="assist_reason", intent_arg=reason))
            self._other = TextInput(hint_text=self.t("assist.other_hint"), multiline=False, size_hint_y=None,
                                    height=110, font_size=self.app.fs_body, font_name=self.app.font_name)
            body.add_widget(self._other)
            body.add_widget(DeskButton(lambda: self.choose("other"), secondary=True,
                                       text=self.t("assist.reason.other"), intent="assist_reason",
                                       intent_arg="other"))
        elif page == "checking":
            body.add_widget(self._label(self.t("assist.checking")))
        else:  # refused: staff serve the applicant at a counter
            body.add_widget(self._label(self.t("assist.refused")))

    def _show(self, page: str, view) -> None:
        message = self.app.message(view.assist_message) if view.assist_message else ""
        if view.assist_message == "wrong_pin" and view.assist_attempts_left is not None:
            message += " " + self.t("staff_pin.attempts_left", count=view.assist_attempts_left)
        self.ids.message.text = message
        digits = self.ids.get("assist_digits")
        if page == "pin" and digits is not None:
            digits.text = "●" * len(self._digits) if self._digits else " "

    # -- input ----------------------------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        self._digits, pin = key_pressed(self._digits, key, MAX_PIN)
        if pin is not None:
            self.app.post(aev.StaffAssistPinEntered(pin))
        if self._view is not None:
            self._show("pin", self._view)

    def choose(self, reason: str) -> None:
        text = self._other.text if (reason == "other" and self._other is not None) else ""
        self.app.post(aev.StaffAssistConfirmed(reason, text))

