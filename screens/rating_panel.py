"""The 好差评 panel over the done screen (kiosk.rating): five large levels, reasons for the two lowest, a call-back
question and, only when wanted, a phone keypad; skippable on every page."""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.uix.floatlayout import FloatLayout

from kiosk.rating import LEVELS, LOW_REASONS
from kiosk.rating import events as rev
from kiosk.session import State
from screens.maintenance_base import DeskButton, keypad
from screens.page_parts import key_pressed, page_label

logger = logging.getLogger(__name__)

MAX_PHONE = 12
RATING_INTENTS = {
    "rate": lambda level: rev.RatingChosen(int(level or 0)),
    "rate_callback": lambda answer: rev.RatingCallbackAnswered(answer == "yes"),
    "rate_skip": lambda _: rev.RatingSkipped(),
}


class RatingPanel(FloatLayout):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._built: tuple | None = None
        self._chosen: set[str] = set()
        self._digits = ""
        self._view = None

    def show(self, *, root, view) -> None:
        page = getattr(view, "rating_page", None) if view.state == State.DONE else None
        shown = self.parent is not None
        if page is None:
            self._built = None
            self._digits = ""
            if shown:
                root.remove_widget(self)
            return
        self._view = view
        key = (page, view.language, view.rating_message)
        if key != self._built:
            if self._built is None or self._built[0] != page:
                self._chosen, self._digits = set(), ""
            self._built = key
            self._build(page, view)
        if not shown:
            root.add_widget(self)

    def _button(self, text, intent, arg="", *, secondary=False, action=None, selected=False):
        app = App.get_running_app()
        button = DeskButton(action or (lambda: app.send_intent(intent, arg or None)), secondary=secondary,
                            text=text, intent=intent, intent_arg=arg)
        if selected:
            button.background, button.color = app.color_primary, app.color_on_primary
        return button

    def _build(self, page: str, view) -> None:
        app = App.get_running_app()
        t = app.text
        box = self.ids.box
        box.clear_widgets()
        box.add_widget(page_label(t(f"rating.{page}"), bold=True))
        if page == "ask":
            for level in LEVELS:
                box.add_widget(self._button(t(f"rating.level.{level}"), "rate", str(level)))
        elif page == "reasons":
            for reason in LOW_REASONS:
                box.add_widget(self._button(t(f"rating.reason.{reason}"), "rate_reason", reason,
                                            secondary=reason not in self._chosen,
                                            selected=reason in self._chosen,
                                            action=lambda r=reason: self._toggle(r)))
            box.add_widget(self._button(t("rating.submit"), "rate_reasons", action=self._send_reasons))
        elif page == "callback":
            box.add_widget(self._button(t("rating.callback_yes"), "rate_callback", "yes"))
            box.add_widget(self._button(t("rating.callback_no"), "rate_callback", "no", secondary=True))
        elif page == "phone":
            digits = page_label(self._digits or " ", size=app.fs_huge)
            self.ids["phone_digits"] = digits
            box.add_widget(digits)
            box.add_widget(keypad(self._press, "rate_phone", ("clear", t("staff_pin.clear")),
                                  ("ok", t("staff_pin.ok")), key_height=120))
        elif page in ("thanks", "sending"):
            pass
        if view.rating_message:
            box.add_widget(page_label(app.message(view.rating_message), size=app.fs_body, color=app.color_warn))
        if page != "sending":
            box.add_widget(self._button(t("rating.close" if page == "thanks" else "rating.skip"), "rate_skip",
                                        secondary=True))

    def _toggle(self, reason: str) -> None:
        self._chosen ^= {reason}
        self._build("reasons", self._view)

    def _send_reasons(self) -> None:
        App.get_running_app().post(rev.RatingReasonsGiven(tuple(sorted(self._chosen))))

    def _press(self, key: str) -> None:
        self._digits, phone = key_pressed(self._digits, key, MAX_PHONE)
        if phone is not None:
            App.get_running_app().post(rev.RatingPhoneEntered(phone))
        label = self.ids.get("phone_digits")
        if label is not None:
            label.text = self._digits or " "

    def on_touch_down(self, touch):
        super().on_touch_down(touch)
        return True  # the done screen below is covered
