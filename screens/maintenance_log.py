"""The maintenance log page: the outbox backlog, the network, the fleet agent, and the recent errors (masked)."""
from __future__ import annotations

import logging

from catalog import i18n, maintenance_words
from screens.maintenance_base import MaintenancePage, label

logger = logging.getLogger(__name__)


class MaintenanceLogScreen(MaintenancePage):
    page = "log"
    shows = frozenset({"online", "outbox_depth", "fleet", "version", "kiosk_id", "errors"})

    def fill(self, body, snapshot: dict) -> None:
        online = snapshot["online"]
        body.add_widget(label(self.t("maint.network", state=self.t(
            "maint.unknown" if online is None else "maint.online" if online else "maint.offline"))))
        depth = snapshot["outbox_depth"]
        body.add_widget(label(self.t("maint.outbox", count="?" if depth is None else depth)))
        fleet = snapshot["fleet"]
        if fleet.get("enabled"):
            body.add_widget(label(self.t("maint.fleet", count=fleet["heartbeats_sent"])))
            for command in fleet.get("commands", ()):
                body.add_widget(label(self.t("maint.fleet_command", kind=command["kind"], detail=command["detail"]),
                                      size="fs_small", colour="color_ok" if command["ok"] else "color_warn"))
            if fleet.get("last_error"):
                body.add_widget(label(self.t("maint.fleet_error", error=fleet["last_error"]), size="fs_small",
                                      colour="color_warn"))
        else:
            body.add_widget(label(self.t("maint.fleet_off"), colour="color_muted"))
        body.add_widget(label(self.t("maint.version", version=snapshot["version"], kiosk_id=snapshot["kiosk_id"]),
                              size="fs_small", colour="color_muted"))
        body.add_widget(label(self.t("maint.errors_title"), size="fs_title", bold=True))
        if not snapshot["errors"]:
            body.add_widget(label(self.t("maint.no_errors"), colour="color_muted"))
        for entry in snapshot["errors"]:
            # In words first (when, how bad, which part), the logged text below it as technical detail.
            level_key, device = f"maint.level.{entry['level']}", maintenance_words.source_key(entry["source"])
            level = self.t(level_key) if level_key in i18n.CATALOG else entry["level"]
            body.add_widget(label(self.t("maint.log_line", time=entry["at"][11:19], level=level,
                                         source=self.t(device) if device else entry["source"]),
                                  size="fs_small", colour="color_warn" if entry["level"] in ("ERROR", "CRITICAL")
                                  else None))
            body.add_widget(label(self.t("maint.result.technical", detail=entry["message"]), size="fs_small",
                                  colour="color_muted"))
