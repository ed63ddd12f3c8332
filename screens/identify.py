"""The identify screen: tells the applicant where to put the ID card; shows why a card was refused."""
from __future__ import annotations

import logging

from catalog import outcomes
from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class IdentifyScreen(BaseScreen):
    def render(self, view) -> None:
        self.ids.message.text = self.app.message(view.message)
        # "取件码正确" is good news: not in the red of a refusal
        self.ids.message.color = self.app.color_ok if view.message in outcomes.POSITIVE else self.app.color_warn
        # A scanned acceptance notice: its case is named, nothing else is shown until the card and face check.
        notice = getattr(view, "notice_case_id", None)
        self.ids.notice.text = self.t("identify.notice", case_id=notice) if notice else ""
