"""The staff-assisted check (kiosk.staff_assist): staff credential, PIN, the applicant's card, confirm and reason."""
from __future__ import annotations

import logging

from kiosk.staff_assist import events as aev
from kiosk.staff_assist.session_part import OTHER_TEXT_MAX
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
        self._keyboard = None  # the "other" reason's keyboard, while staff type it
        self._typing = False
        self._restored = ""  # words typed before 长辈模式 was switched (the screen was made afresh)
        # ids hold weak references: the title, taken out of the layout on the keyboard page, is kept alive here
        self._title = self.ids.title.__self__

    def activate(self, view) -> None:
        self._digits = ""
        self._built = None
        self._typing = False

    def deactivate(self) -> None:
        self._digits = ""  # a PIN never outlives the pad
        self._built = None
        self._typing, self._keyboard = False, None

    def carry(self) -> dict | None:
        if not self._typing:
            return None
        return {"typed": self._keyboard.text if self._keyboard is not None else ""}

    def restore(self, carried: dict) -> None:
        self._typing, self._restored = True, carried.get("typed", "")

    def render(self, view) -> None:
        self._view = view
        page = view.assist_page or "credential"
        self._typing = self._typing and page == "confirm"
        key = (page, self.app.language, view.applicant_id, self._typing)
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
        self._title_shown(not (page == "confirm" and self._typing))
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
        elif page == "confirm" and self._typing:
            self._other_page(body)
        elif page == "confirm":
            self._keyboard = None
            body.add_widget(self._label(self.t("assist.confirm"), size=self.app.fs_body))
            body.add_widget(self._label(f"{view.applicant_name}  {view.applicant_id}", bold=True,
                                        color=self.app.color_primary))
            body.add_widget(self._label(self.t("assist.reason"), size=self.app.fs_body))
            for reason in REASONS[:3]:
                body.add_widget(DeskButton(lambda r=reason: self.choose(r), text=self.t(f"assist.reason.{reason}"),
                                           intent="assist_reason", intent_arg=reason))
            body.add_widget(DeskButton(lambda: self.type_other(True), secondary=True,
                                       text=self.t("assist.reason.other_type"), intent="assist_other",
                                       intent_arg="open"))
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

    def _title_shown(self, shown: bool) -> None:
        """The keyboard page needs the title's room (in large text above all): its prompt says what it is for."""
        title = self._title
        holder = self.ids.body.parent
        if shown and title.parent is None:
            holder.add_widget(title, index=len(holder.children))
        elif not shown and title.parent is not None:
            holder.remove_widget(title)
        if getattr(self, "_padding", None) is None:
            self._padding = (list(holder.padding), holder.spacing)
        holder.padding, holder.spacing = self._padding if shown else ([holder.padding[0], 8, holder.padding[2], 8],
                                                                       8)

    def _other_page(self, body) -> None:
        """The "other" reason: a few words typed on the large pinyin keyboard, then sent with the check."""
        from kivy.uix.boxlayout import BoxLayout

        from screens.keyboard import ChineseKeyboard

        typed = self._keyboard.text if self._keyboard is not None else self._restored
        self._restored = ""
        body.add_widget(self._label(self.t("assist.other_prompt", count=OTHER_TEXT_MAX), size=self.app.fs_body))
        keyboard = self._keyboard = ChineseKeyboard(max_length=OTHER_TEXT_MAX)
        keyboard.set_text(typed)  # kept across a redraw (a language switch, words refused)
        body.add_widget(keyboard)
        row = BoxLayout(size_hint_y=None, height=self.app.button_height, spacing=24)
        row.add_widget(DeskButton(lambda: self.type_other(False), secondary=True, text=self.t("assist.other_back"),
                                  intent="assist_other", intent_arg="back"))
        row.add_widget(DeskButton(lambda: self.choose("other"), text=self.t("assist.other_send"),
                                  intent="assist_reason", intent_arg="other"))
        body.add_widget(row)

    # -- input ----------------------------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        self._digits, pin = key_pressed(self._digits, key, MAX_PIN)
        if pin is not None:
            self.app.post(aev.StaffAssistPinEntered(pin))
        if self._view is not None:
            self._show("pin", self._view)

    def choose(self, reason: str) -> None:
        text = self._keyboard.text if (reason == "other" and self._keyboard is not None) else ""
        self.app.post(aev.StaffAssistConfirmed(reason, text))

    def type_other(self, typing: bool) -> None:
        self._typing = typing
        if not typing:
            self._keyboard = None  # back to the list: the words are dropped
        if self._view is not None:
            self.render(self._view)

