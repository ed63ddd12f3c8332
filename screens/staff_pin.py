"""The staff PIN pad: shown after a staff card or staff QR code; wrong PINs and the lockout are shown here.

The digits typed stay in this screen until OK; then the PIN goes to the core as one StaffPinEntered event (checked by
kiosk.maintenance.StaffSignIn off every UI thread) and the outcome comes back in the view.
"""
from __future__ import annotations

import logging

from kiosk import events as ev
from screens.base import BaseScreen
from screens.maintenance_base import keypad
from screens.page_parts import key_pressed

logger = logging.getLogger(__name__)

MAX_PIN = 12
PIN_KEY_HEIGHT = 140  # fixed: with large text the pad must still fit under the title


class StaffPinScreen(BaseScreen):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._digits = ""
        self._checking = False
        self._built = None
        self._view = None

    def activate(self, view) -> None:
        self._digits = ""
        self._checking = False

    def deactivate(self) -> None:
        self._digits = ""  # a PIN never outlives the pad

    def render(self, view) -> None:
        self._checking = view.staff_checking  # until the session has the PIN, this pad's own OK says so
        self._view = view
        if self._built != self.app.language:
            self._built = self.app.language
            pad = self.ids.pad
            pad.clear_widgets()
            pad.add_widget(keypad(self.press, "pin", ("clear", self.t("staff_pin.clear")),
                                  ("ok", self.t("staff_pin.ok")), key_height=PIN_KEY_HEIGHT))
        self._show()

    def _show(self) -> None:
        view = self._view
        locked = view.staff_locked_s
        if locked:
            self._digits = ""
        self.ids.digits.text = "●" * len(self._digits) if self._digits else " "
        if self._checking:
            message = self.t("staff_pin.checking")
        elif locked:
            message = self.t("staff_pin.locked", minutes=max(1, -(-locked // 60)))
        elif view.message:
            message = self.app.message(view.message)
            if view.message == "wrong_pin" and view.staff_attempts_left is not None:
                message += " " + self.t("staff_pin.attempts_left", count=view.staff_attempts_left)
        else:
            message = ""
        self.ids.message.text = message
        self.ids.pad.disabled = bool(locked)
        self.ids.pad.opacity = 0.4 if locked else 1

    def press(self, key: str) -> None:
        if self._checking or self._view is None or self._view.staff_locked_s:
            return
        if key == "ok" and not self._digits:
            return
        self._digits, pin = key_pressed(self._digits, key, MAX_PIN)
        if pin is not None:
            self._checking = True
            self.app.post(ev.StaffPinEntered(pin))
        self._show()
