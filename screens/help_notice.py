"""Call staff on every applicant screen: the title bar's 呼叫工作人员 button and the "工作人员马上就到" notice."""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.uix.floatlayout import FloatLayout

from kiosk.session import APPLICANT_STATES, State
from kiosk.staff_help import events as hev

logger = logging.getLogger(__name__)

HELP_INTENTS = {
    "call_staff": lambda _: hev.HelpRequested(),
    "help_close": lambda _: hev.HelpNoticeClosed(),
}


def help_callable(view) -> bool:
    """The button is offered wherever an applicant may need a person: every applicant screen and the start screen
    (not a locker's code pad, which has its own staff flow, nor maintenance)."""
    return view.state in APPLICANT_STATES or view.state == State.ATTRACT


class HelpNotice(FloatLayout):
    """Covers the screen while staff are called: the request's number, or why the call failed, and a way back."""

    def show(self, *, root, view) -> None:
        status = getattr(view, "help_status", None)
        shown = self.parent is not None
        if status is None:
            if shown:
                root.remove_widget(self)
            return
        app = App.get_running_app()
        self.ids.title.text = app.text(f"help.{status}")
        if status == "coming":
            self.ids.detail.text = app.text("help.number", number=view.help_number or "") + "\n" + \
                app.text("help.stay")
        elif status == "failed":
            self.ids.detail.text = ""
        else:
            self.ids.detail.text = app.text("help.stay")
        self.ids.close.opacity = 0 if status == "sending" else 1
        self.ids.close.disabled = status == "sending"
        if not shown:
            root.add_widget(self)

    def on_touch_down(self, touch):
        super().on_touch_down(touch)
        return True  # the screen below is covered
