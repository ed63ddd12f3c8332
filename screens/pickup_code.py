"""The locker's code screen: scan the pickup code or type its 8 digits; refusals, the lockout and door alarms.

It is the attract screen of a pickup-only site and the screen of the PICKUP_CODE state. The digits typed stay here
until OK; the session has the code checked (kiosk.pickup.verifier) off this thread.
"""
from __future__ import annotations

import logging

from kiosk.pickup.steps import CheckingCode, CodeRefused
from kiosk.session import State
from screens.base import BaseScreen
from screens.maintenance_base import DeskButton, keypad

logger = logging.getLogger(__name__)

DIGITS = 8
FORGET_DIGITS_S = 45  # digits typed and left (the attract screen has no session timeout) are wiped


def alarm_text(screen, view) -> str:
    """The standing alarm for doors left open, or ""."""
    if not view.locker_alarms:
        return ""
    return screen.t("pickup.alarm", compartments="、".join(view.locker_alarms))


class PickupCodeScreen(BaseScreen):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._digits = ""
        self._built = None
        self._view = None
        self._forget = None
        self._clear = None

    def activate(self, view) -> None:
        self._digits = ""

    def deactivate(self) -> None:
        self._digits = ""  # typed digits open a door: never kept past this screen
        self._cancel_forget()

    def _cancel_forget(self) -> None:
        if self._forget is not None:
            self._forget.cancel()
            self._forget = None

    def _forget_digits(self, _dt=None) -> None:
        self._forget = None
        self._digits = ""
        if self._view is not None:
            self._show()

    def render(self, view) -> None:
        if self._view is not None and isinstance(view.flow, CodeRefused) \
                and not isinstance(self._view.flow, CodeRefused):
            self._digits = ""  # the answer to the last OK: start again
        self._view = view
        if self._built != self.app.language:
            self._built = self.app.language
            pad = self.ids.pad
            pad.clear_widgets()
            # 长辈模式's larger type leaves less height: lower keys (still far above 60 dp) keep the title in view
            key_height = round(self.app.button_height * 0.6) if self.app.elderly else None
            pad.add_widget(keypad(self.press, "pickup_key", ("back", self.t("pickup.backspace")),
                                  ("ok", self.t("pickup.ok")), key_height=key_height))
            if key_height:  # digits in a type size that fits the lower keys
                for key in pad.children[0].children:
                    key.font_size = min(key.font_size, round(self.app.fs_body * 1.2))
            footer = self.ids.footer  # 清除 beside 退出: the keypad's own corner key deletes one digit
            if self._clear is not None:
                footer.remove_widget(self._clear)
            self._clear = DeskButton(lambda: self.press("clear"), secondary=True, text=self.t("pickup.clear"),
                                     intent="pickup_key", intent_arg="clear")
            footer.add_widget(self._clear, index=len(footer.children))
        self._show()

    def _show(self) -> None:
        view = self._view
        locked = view.pickup_locked_s
        checking = view.state == State.PICKUP_CODE and isinstance(view.flow, CheckingCode)
        shown = self._digits + "_" * (DIGITS - len(self._digits))
        self.ids.digits.text = " ".join((shown[:4], shown[4:]))
        if locked:
            message = self.t("pickup.locked", minutes=max(1, -(-locked // 60)))
        elif checking:
            message = self.t("pickup.checking")
        elif self._digits:
            message = ""  # new digits are being typed: the answer to the last ones no longer stands
        else:
            message = self.app.message(view.message)
        self.ids.message.text = message
        self.ids.alarm.text = alarm_text(self, view)
        self.ids.pad.disabled = bool(locked) or checking
        self.ids.pad.opacity = 0.4 if locked else 1
        cancel = self.ids.cancel
        cancel.disabled = view.state != State.PICKUP_CODE
        cancel.opacity = 1 if view.state == State.PICKUP_CODE else 0

    def press(self, key: str) -> None:
        view = self._view
        if view is None or view.pickup_locked_s:
            return
        if key == "clear":
            self._digits = ""
        elif key == "back":
            self._digits = self._digits[:-1]
        elif key == "ok":
            if len(self._digits) != DIGITS:
                return
            digits, self._digits = self._digits, ""
            self.app.send_intent("pickup_digits", digits)
        elif key.isdigit() and len(self._digits) < DIGITS:
            self._digits += key
        self._cancel_forget()
        if self._digits:
            from kivy.clock import Clock

            self._forget = Clock.schedule_once(self._forget_digits, FORGET_DIGITS_S)
        self._show()
