"""The maintenance supplies page: counters (paper used, jobs today, blanks left), load paper, load blank certificates."""
from __future__ import annotations

import logging

from kiosk import events as ev
from screens.maintenance_base import KEY_HEIGHT, MaintenancePage, button, keypad, label, row

logger = logging.getLogger(__name__)


class MaintenanceStockScreen(MaintenancePage):
    page = "stock"  # a scan here fills a blank's serial (kiosk.maintenance.session_part.PAGE_SCANS)
    shows = frozenset({"counters", "blanks", "blank_fields", "blank_field", "actions"})

    def fill(self, body, snapshot: dict) -> None:
        counters, blanks = snapshot["counters"], snapshot["blanks"]
        remaining = blanks.get("remaining")
        body.add_widget(label(self.t("maint.jobs_today", count=counters["jobs_today_total"])))
        if blanks.get("kept"):
            body.add_widget(label(self.t("maint.blanks_left", count="?" if remaining is None else remaining),
                                  colour="color_warn" if remaining == 0 and blanks.get("ledger") else None))
        if blanks.get("next_serial"):
            body.add_widget(label(self.t("maint.next_serial", serial=blanks["next_serial"]), size="fs_small",
                                  colour="color_muted"))
        paper = label(self.t("maint.paper_used", mm=counters["paper_used_mm"]), size="fs_small")
        body.add_widget(row(paper, button(self.t("maint.load_paper"), "load_paper", width=400)))
        action = snapshot["actions"].get("load_paper")
        if action and not action["running"]:
            body.add_widget(label(self.action_text(action), size="fs_small", colour=self.action_colour(action)))
        elif counters.get("paper_loaded_at"):
            body.add_widget(label(self.t("maint.paper_loaded_at", at=counters["paper_loaded_at"]),
                                  size="fs_small", colour="color_muted"))
        if blanks.get("kept"):
            self._blank_form(body, snapshot)
        else:
            body.add_widget(label(self.t("maint.no_blanks"), size="fs_small", colour="color_muted"))

    def _blank_form(self, body, snapshot: dict) -> None:
        body.add_widget(label(self.t("maint.blanks_title"), size="fs_small", bold=True))
        fields = [button(self.t(f"maint.{name}_serial", serial=snapshot["blank_fields"][name] or "-"),
                         f"blank_field:{name}", secondary=snapshot["blank_field"] != name)
                  for name in ("first", "last")]
        body.add_widget(row(*fields))
        body.add_widget(keypad(self._type, "blank_key", ("back", self.t("maint.key_back")),
                               ("clear", self.t("staff_pin.clear")), cols=4, key_height=KEY_HEIGHT))
        body.add_widget(button(self.t("maint.load_blanks"), "load_blanks"))
        action = snapshot["actions"].get("load_blanks")
        if action and not action["running"]:
            body.add_widget(label(self.action_text(action, count=action["detail"], reason=action["detail"]),
                                  size="fs_small", colour=self.action_colour(action)))

    def _type(self, key: str) -> None:
        self.app.post(ev.MaintenanceAction(f"blank_key:{key}"))
