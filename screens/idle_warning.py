"""The idle-warning overlay: "are you still there?" with the seconds left before the session ends."""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.uix.floatlayout import FloatLayout

logger = logging.getLogger(__name__)


class IdleWarning(FloatLayout):
    def render(self, view) -> None:
        app = App.get_running_app()
        self.ids.countdown.text = app.text("idle.countdown", seconds=view.countdown_s or 0)

    def on_touch_down(self, touch):
        super().on_touch_down(touch)
        return True  # the screen below is covered: a touch there must not press its buttons
