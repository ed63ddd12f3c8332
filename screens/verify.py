"""The verify screen: the card has been read; the live mirrored camera preview with the face outline, the face check's
guidance (text, an animated hint, speech), the attempt and a countdown that moves by itself."""
from __future__ import annotations

import logging
import math

from kivy.clock import Clock

from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class VerifyScreen(BaseScreen):
    _ticker = None
    _attempt = 0

    def activate(self, view) -> None:
        self.ids.preview.start()
        self._ticker = Clock.schedule_interval(lambda _dt: self._show_progress(), 0.25)

    def deactivate(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self.ids.preview.stop()

    def render(self, view) -> None:
        self.ids.guidance.text = (self.app.message(view.verify_guidance) if view.verify_guidance
                                  else self.t("verify.reading"))
        preview = self.ids.preview
        preview.guidance = view.verify_guidance or ""
        if view.verify_seconds_left is not None:
            preview.set_countdown(view.verify_seconds_left)
        elif view.verify_attempt == 0:
            preview.set_countdown(None)
        self._attempt = view.verify_attempt
        self._show_progress()
        self.ids.message.text = self.app.message(view.message)
        if not preview.has_camera:
            self.ids.mirror_hint.text = self.t("verify.no_camera")

    def _show_progress(self) -> None:
        parts = []
        if self._attempt:
            parts.append(self.t("verify.attempt", attempt=self._attempt))
        seconds = self.ids.preview.seconds_left
        if seconds >= 0:
            parts.append(self.t("verify.seconds_left", seconds=max(0, math.ceil(seconds))))
        text = "    ".join(parts)
        if self.ids.progress.text != text:
            self.ids.progress.text = text
