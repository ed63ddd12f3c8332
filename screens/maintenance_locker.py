"""The maintenance locker page: deposit a certificate for a scanned case, and open a chosen door as a test."""
from __future__ import annotations

import logging

from kivy.uix.gridlayout import GridLayout

from screens.maintenance_base import MaintenancePage, button, label, row

logger = logging.getLogger(__name__)

SIZES = ("small", "medium", "large")


class MaintenanceLockerScreen(MaintenancePage):
    page = "locker"  # a scan here is the case to deposit (kiosk.maintenance.session_part.PAGE_SCANS)
    shows = frozenset({"compartments", "deposit_case", "actions", "recalls"})

    def fill(self, body, snapshot: dict) -> None:
        compartments = snapshot["compartments"]
        if not compartments:
            body.add_widget(label(self.t("maint.no_locker"), colour="color_muted"))
            return
        body.add_widget(label(self.t("maint.deposit_title"), bold=True))
        case = snapshot["deposit_case"]
        body.add_widget(label(self.t("maint.deposit_case", case_id=case) if case else self.t("maint.deposit_no_case"),
                              colour=None if case else "color_muted"))
        body.add_widget(row(*[button(self.t(f"maint.size.{size}"), f"deposit:{size}", available=bool(case))
                              for size in SIZES]))
        deposit = snapshot["actions"].get("deposit")
        if deposit:
            body.add_widget(label(self.action_text(deposit, compartment=deposit["detail"]),
                                  colour=self.action_colour(deposit)))
        body.add_widget(label(self.t("maint.doors_title"), bold=True))
        grid = GridLayout(cols=3, spacing=16, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for compartment in compartments:
            grid.add_widget(button(self.t("maint.door", compartment=compartment["label"],
                                          size=self.t(f"maint.size.{compartment['size']}")),
                                   f"door:{compartment['label']}", secondary=True))
        body.add_widget(grid)
        door = snapshot["actions"].get("open_door")
        if door:
            body.add_widget(label(self.action_text(door, compartment=door["detail"]), colour=self.action_colour(door)))
        self.fill_recalls(body, snapshot)

    def fill_recalls(self, body, snapshot: dict) -> None:
        """Deposits left past the site's limit (issue 22): check the list, take each one back."""
        body.add_widget(label(self.t("maint.recall_title"), bold=True))
        body.add_widget(button(self.t("maint.recall_check"), "recalls", secondary=True))
        for due in snapshot.get("recalls") or ():
            body.add_widget(row(label(self.t("maint.recall_item", compartment=due["compartment"],
                                             case_id=due["case_id"])),
                                button(self.t("maint.recall_open"), f"recall:{due['deposit_id']}", width=300)))
        for name in ("recalls", "recall"):
            action = snapshot["actions"].get(name)
            if action:
                body.add_widget(label(self.action_text(action, compartment=action["detail"], count=action["detail"]),
                                      colour=self.action_colour(action)))
