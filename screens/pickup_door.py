"""The locker's door screen: opening, "take your certificate and close the door", then the outcome in plain words."""
from __future__ import annotations

import logging

from kiosk.pickup.steps import DoorRetrying, PickupStep, TakeCertificate
from kiosk.session import State
from screens.base import BaseScreen
from screens.pickup_code import alarm_text

logger = logging.getLogger(__name__)

STEP_TITLES = {DoorRetrying: "pickup.retrying", TakeCertificate: "pickup.take"}
NEXT_HINTS = {"person_mismatch": "pickup.agent_hint", "door_did_not_open": "pickup.staff_hint"}


class PickupDoorScreen(BaseScreen):
    def render(self, view) -> None:
        step = view.flow if isinstance(view.flow, PickupStep) else None
        compartment = step.compartment if step is not None else ""
        done = view.state == State.DONE
        if done:
            if view.outcome == "door_left_open":  # taken, perhaps, but not finished until the door is shut
                self.ids.title.text = self.t("pickup.close_title", compartment=compartment)
            else:
                ok = view.outcome == "picked_up"
                self.ids.title.text = self.t("pickup.done_title" if ok else "pickup.not_done_title")
            self.ids.step.text = self.app.message(view.outcome or "finished")
            self.ids.hint.text = self.t("pickup.receipt") if view.receipt_pending else ""
            if view.outcome in NEXT_HINTS:  # the wrong person, a stuck door: what to do now, not only 完成
                self.ids.hint.text = self.t(NEXT_HINTS[view.outcome], compartment=compartment or "-")
        else:
            self.ids.title.text = self.t(STEP_TITLES.get(type(step), "pickup.opening"), compartment=compartment)
            self.ids.step.text = self.t("pickup.take_hint") if isinstance(step, TakeCertificate) else ""
            self.ids.hint.text = ""
        self.ids.compartment.text = compartment if not done or view.outcome == "door_left_open" else ""
        self.ids.take_card.text = self.t("done.take_card") if done else ""
        self.ids.message.text = self.app.message(view.message)
        # The door this screen is about is named once (its title), not again in the standing alarm above it.
        others = tuple(c for c in view.locker_alarms if c != compartment) if done and compartment else None
        self.ids.alarm.text = alarm_text(self, view) if others is None else (
            self.t("pickup.alarm", compartments="、".join(others)) if others else "")
        finish = self.ids.finish
        finish.text = self.t("pickup.again" if done and view.outcome in NEXT_HINTS else "pickup.finish")
        finish.disabled = not done
        finish.opacity = 1 if done else 0
