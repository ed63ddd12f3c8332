"""The menu: greets the verified applicant (masked) and offers the site's services as large buttons."""
from __future__ import annotations

import logging

from screens.base import BaseScreen, KioskButton
from screens.text_fit import shrink_to_fit

logger = logging.getLogger(__name__)

MIN_FONT = 24  # px: no service name is drawn smaller than this, in any mode


class MenuScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        self.ids.greeting.text = self.t("menu.greeting", name=view.applicant_name) if view.applicant_name else ""
        self.ids.applicant_id.text = self.t("menu.id", id=view.applicant_id) if view.applicant_id else ""
        self.ids.message.text = self.app.message(view.message)
        # Rebuild the buttons only when what they show changes (each Tick brings a new view).
        key = (view.services, view.services_unavailable, self.app.language, self.app.elderly)
        if key == self._shown:
            return
        self._shown = key
        grid = self.ids.services
        grid.clear_widgets()
        count = len(view.services) + len(view.services_unavailable)
        grid.cols = 1 if count <= 4 else 2
        grid.unbind(height=self._fit_rows)
        grid.bind(height=self._fit_rows)
        for service in view.services:
            grid.add_widget(KioskButton(text=self.t(f"service.{service}"), intent="service", intent_arg=service))
        for service in view.services_unavailable:
            grid.add_widget(KioskButton(text=f"{self.t(f'service.{service}')}\n{self.t('menu.unavailable')}",
                                        intent="service", intent_arg=service, available=False))
        for button in grid.children:
            button.size_hint_y = 1  # as tall as its row (the rows share the height: _fit_rows)
            if grid.cols > 1:  # half-width buttons: body-size type keeps each service name on one line
                button.font_size = self.app.fs_small if button.available else round(self.app.fs_small * 0.8)
            # a long name in large text (English 长辈模式) may still need three lines a row has no room for
            shrink_to_fit(button, floor=max(MIN_FONT, round(button.font_size * 0.7)))
        self._fit_rows(grid)

    def _fit_rows(self, grid, *_args) -> None:
        """Rows as tall as a large button, or less so that all of them fit the height the grid is given."""
        rows = max(1, -(-len(grid.children) // grid.cols))
        fitting = (grid.height - grid.spacing[1] * (rows - 1)) / rows
        grid.row_default_height = max(1.0, min(self.app.button_height * 1.4, fitting))
