"""The done screen: the outcome of the service in plain words, and a reminder to take the ID card."""
from __future__ import annotations

import logging

from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class DoneScreen(BaseScreen):
    def render(self, view) -> None:
        ask_staff = view.outcome == "ask_staff"
        self.ids.title.text = self.t("done.ask_staff_title" if ask_staff else "done.title")
        self.ids.outcome.text = self.app.message(view.outcome or "finished")
        self.ids.message.text = self.app.message(view.message)
        self.ids.receipt.text = self.t("done.receipt") if view.receipt_pending else ""
        # Without a verified applicant (the check failed) there is no menu to go back to: the button offers a
        # staff-assisted check instead (kiosk.staff_assist).
        button = self.ids.menu_button
        button.text = self.t("assist.offer") if ask_staff else self.t("button.menu")
        button.intent = "staff_assist" if ask_staff else "back"
