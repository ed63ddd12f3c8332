"""The maintenance screen (placeholder until the maintenance mode exists): says so, and lets staff leave it."""
from __future__ import annotations

import logging

from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class MaintenanceScreen(BaseScreen):
    def render(self, view) -> None:
        self.ids.staff.text = self.t("maintenance.staff", staff_id=view.staff_id) if view.staff_id else ""
