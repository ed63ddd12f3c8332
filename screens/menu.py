"""The menu: greets the verified applicant (masked) and offers the site's services as large buttons."""
from __future__ import annotations

import logging

from screens.base import BaseScreen, KioskButton

logger = logging.getLogger(__name__)


class MenuScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        self.ids.greeting.text = self.t("menu.greeting", name=view.applicant_name) if view.applicant_name else ""
        self.ids.applicant_id.text = self.t("menu.id", id=view.applicant_id) if view.applicant_id else ""
        self.ids.message.text = self.app.message(view.message)
        # Rebuild the buttons only when what they show changes (each Tick brings a new view).
        key = (view.services, view.services_unavailable, self.app.language)
        if key == self._shown:
            return
        self._shown = key
        grid = self.ids.services
        grid.clear_widgets()
        for service in view.services:
            grid.add_widget(KioskButton(text=self.t(f"service.{service}"), intent="service", intent_arg=service))
        for service in view.services_unavailable:
            grid.add_widget(KioskButton(text=f"{self.t(f'service.{service}')}\n{self.t('menu.unavailable')}",
                                        intent="service", intent_arg=service, available=False))
