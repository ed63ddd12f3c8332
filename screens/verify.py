"""The verify screen: the card has been read; shows the face check's guidance, attempt and time left."""
from __future__ import annotations

import logging
import math

from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class VerifyScreen(BaseScreen):
    def render(self, view) -> None:
        self.ids.guidance.text = (self.app.message(view.verify_guidance) if view.verify_guidance
                                  else self.t("verify.reading"))
        parts = []
        if view.verify_attempt:
            parts.append(self.t("verify.attempt", attempt=view.verify_attempt))
        if view.verify_seconds_left is not None:
            parts.append(self.t("verify.seconds_left", seconds=max(0, math.ceil(view.verify_seconds_left))))
        self.ids.progress.text = "    ".join(parts)
        self.ids.message.text = self.app.message(view.message)
