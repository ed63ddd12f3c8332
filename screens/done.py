"""The done screen: the outcome of the service in plain words, and a reminder to take the ID card."""
from __future__ import annotations

import logging

from catalog import outcomes
from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class DoneScreen(BaseScreen):
    def render(self, view) -> None:
        ask_staff = view.outcome == "ask_staff"
        # Each outcome has its own title (a refusal is not "谢谢使用") and, where there is one, a direct next step.
        self.ids.title.text = self.t(outcomes.title_key(view.outcome))
        self.ids.outcome.text = self.app.message(view.outcome or "finished")
        self.ids.message.text = self.app.message(view.message)
        # The take-away prompt names what was printed: a payment receipt, an A4 proof, a slip.
        self.ids.receipt.text = self.t(outcomes.take_away_key(view.outcome)) if view.receipt_pending else ""
        step = None if ask_staff else outcomes.next_step(view.outcome, view.services)
        self._show(self.ids.next_button, step is not None)
        if step is not None:
            self.ids.next_button.intent_arg = step[0]
            self.ids.next_button.text = self.t(step[1])
        # Without a verified applicant (the check failed) there is no menu to go back to: the button offers a
        # staff-assisted check instead (kiosk.staff_assist).
        button = self.ids.menu_button
        button.text = self.t("assist.offer") if ask_staff else self.t("button.menu")
        button.intent = "staff_assist" if ask_staff else "back"

    def _show(self, button, shown: bool) -> None:
        button.opacity = 1 if shown else 0
        button.disabled = not shown
        button.height = self.app.button_height if shown else 0
