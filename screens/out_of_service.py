"""The out-of-service screen: the kiosk is closed, why in plain words, and which part failed (for staff)."""
from __future__ import annotations

import logging

from catalog import i18n
from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class OutOfServiceScreen(BaseScreen):
    def render(self, view) -> None:
        language = self.app.language
        self.ids.reason.text = i18n.free_or_catalog(view.out_of_service_message or "out_of_service", language)
        # Name only the parts the kiosk cannot run without (switched-off optional devices are not faults).
        devices = [i18n.text(f"device.{name}", language) if f"device.{name}" in i18n.CATALOG else name
                   for name in view.unusable_devices if name in self.app.required_devices]
        self.ids.devices.text = self.t("out_of_service.devices", devices="、".join(devices)) if devices else ""
