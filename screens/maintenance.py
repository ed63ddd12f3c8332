"""The maintenance home page: every device with its status and its test, the network, the version, the way out."""
from __future__ import annotations

import logging

from catalog import i18n, maintenance_words
from screens.maintenance_base import MaintenancePage, button, label, row

logger = logging.getLogger(__name__)

ABSENT = ("disabled", "no_driver")


class MaintenanceScreen(MaintenancePage):
    page = "home"

    def fill(self, body, snapshot: dict) -> None:
        online = snapshot["online"]
        body.add_widget(label(self.t("maint.network", state=self.t(
            "maint.unknown" if online is None else "maint.online" if online else "maint.offline")),
            colour=None if online is not False else "color_warn"))
        body.add_widget(label(self.t("maint.version", version=snapshot["version"], kiosk_id=snapshot["kiosk_id"]),
                              size="fs_small", colour="color_muted"))
        body.add_widget(label(self.t("maint.devices_title"), size="fs_title", bold=True))
        present = [r for r in snapshot["devices"] if r["status"] not in ABSENT or r.get("test")]
        for device in present:
            self._device(body, device, snapshot)
        absent = [r for r in snapshot["devices"] if r not in present]
        # Devices this kiosk does not have: one line, so the page never needs scrolling.
        for status in ABSENT:
            names = [self.t(f"device.{r['name']}") for r in absent if r["status"] == status]
            if names:
                body.add_widget(label(f"{self.t('dev_status.' + status)}: {'、'.join(names)}", size="fs_small",
                                      colour="color_muted"))

    def _device(self, body, device: dict, snapshot: dict) -> None:
        name, status = device["name"], device["status"]
        words = self.t(f"dev_status.{status}") if f"dev_status.{status}" in i18n.CATALOG else status
        if device.get("reason"):
            words += f" ({device['reason']})"
        text = label(f"{self.t('device.' + name)}: {words}",
                     colour="color_ok" if device.get("usable") else "color_warn")
        test = device.get("test")
        if test and test.startswith("page:"):
            page = test.split(":", 1)[1]
            body.add_widget(row(text, button(self.t("maint.open_page"), page, intent="maintenance_page",
                                             secondary=True, width=260)))
        elif test:
            body.add_widget(row(text, button(self.t("maint.test"), f"test:{name}", secondary=True, width=260)))
        else:
            body.add_widget(text)
        action = snapshot["actions"].get(f"test:{name}")
        if action:
            values = {"name": "", "id_number": "", "code": ""}
            if name == "card_reader" and snapshot["card"]:
                values.update(snapshot["card"])
            if name == "scanner" and snapshot["code"]:
                values["code"] = snapshot["code"]
            shown = self.action_text(action, **values)
            detail = action.get("detail") if action["message_key"] in ("maint.passed", "maint.failed") else ""
            words = maintenance_words.detail_keys(detail) if detail and detail != "ok" else None
            if words is not None:  # "test page: no_media" -> 测试页：缺纸
                key, found = words
                shown += "  " + self.t(key, result=self.t(f"maint.code.{found['code']}"))
            body.add_widget(label(shown, size="fs_small", colour=self.action_colour(action)))
            if detail and detail != "ok" and words is None:  # no words for it: shown as what it is, technical
                body.add_widget(label(self.t("maint.result.technical", detail=detail), size="fs_small",
                                      colour="color_muted"))
