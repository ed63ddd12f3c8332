"""The signature pad: a finger draws Kivy Lines; the drawing is exported to a PNG in memory, never to a file."""
from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
from kivy.graphics import Color, Line
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty
from kivy.uix.widget import Widget

logger = logging.getLogger(__name__)

KV = Path(__file__).resolve().parent / "kv" / "signing.kv"
MIN_POINTS = 8  # fewer points than this is a tap, not a signature


class SignaturePad(Widget):
    """Draws strokes where it is touched; `png()` is the signature, `clear()` starts again."""

    ink = ListProperty([0.05, 0.05, 0.2, 1])
    ink_width = NumericProperty(4.0)
    points = NumericProperty(0)  # points drawn so far

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._lines: list[Line] = []

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        touch.grab(self)
        with self.canvas:
            Color(*self.ink)
            line = Line(points=[touch.x, touch.y], width=self.ink_width, cap="round", joint="round")
        self._lines.append(line)
        touch.ud["signature_line"] = line
        self.points += 1
        return True

    def on_touch_move(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        line = touch.ud.get("signature_line")
        if line is not None and self.collide_point(*touch.pos):
            line.points = line.points + [touch.x, touch.y]
            self.points += 1
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is self:
            touch.ungrab(self)
            return True
        return super().on_touch_up(touch)

    def has_signature(self) -> bool:
        return self.points >= MIN_POINTS

    def clear(self) -> None:
        self.canvas.clear()
        self._lines.clear()
        self.points = 0

    def png(self) -> bytes:
        """The strokes in black on white, as PNG bytes (cv2 encodes in memory; nothing is written to disk)."""
        width, height = max(1, int(self.width)), max(1, int(self.height))
        image = np.full((height, width), 255, dtype=np.uint8)
        thickness = max(2, int(self.ink_width * 1.5))
        for line in self._lines:
            pts = np.array(line.points, dtype=np.float32).reshape(-1, 2)
            pts[:, 0] -= self.x
            pts[:, 1] = height - (pts[:, 1] - self.y)  # Kivy's origin is bottom left, the image's top left
            pts = np.round(pts).astype(np.int32)
            if len(pts) == 1:
                cv2.circle(image, (int(pts[0][0]), int(pts[0][1])), thickness, 0, -1, cv2.LINE_AA)
            else:
                cv2.polylines(image, [pts], False, 0, thickness, cv2.LINE_AA)
        ok, encoded = cv2.imencode(".png", image)
        if not ok:
            raise RuntimeError("PNG encoding failed")
        return encoded.tobytes()


if str(KV) not in Builder.files:
    Builder.load_file(str(KV))
