"""The attract screen: invites the applicant to place an ID card or touch the screen."""
from __future__ import annotations

import logging

from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class AttractScreen(BaseScreen):
    def render(self, view) -> None:
        # After a timeout the session says why the applicant was signed out; shown until the next one starts.
        self.ids.message.text = self.app.message(view.message)

    def on_touch_down(self, touch):
        if super().on_touch_down(touch):
            return True  # a button (the language switch) took it
        if self.collide_point(*touch.pos):
            self.app.send_intent("start")
            return True
        return False
