"""The maintenance camera page: the live preview with a box around each detected face (the camera test).

Frames stay in memory: they are drawn into a texture and never written anywhere.
"""
from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.graphics import Color, Line
from kivy.graphics.texture import Texture
from kivy.uix.image import Image

from screens.maintenance_base import MaintenancePage, label

logger = logging.getLogger(__name__)

FRAME_S = 0.1


class MaintenanceCameraScreen(MaintenancePage):
    page = "camera"
    shows = frozenset({"camera"})

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._frames = None
        self._image: Image | None = None
        self._faces = None

    @property
    def preview(self):
        """The camera's frames (kiosk.maintenance.preview.CameraPreview, on while this page is chosen): a video
        stream is drawn from it here, not through the view. The page only reads frames from it."""
        return getattr(self.app, "camera_preview", None)

    def activate(self, view) -> None:
        super().activate(view)
        if self.preview is not None:
            self._frames = Clock.schedule_interval(lambda _dt: self._draw(), FRAME_S)

    def deactivate(self) -> None:
        super().deactivate()
        if self._frames is not None:
            self._frames.cancel()
            self._frames = None
        self._image = None

    def fill(self, body, snapshot: dict) -> None:
        body.add_widget(label(self.t("maint.camera_title"), size="fs_title", bold=True))
        if not snapshot["camera"]:
            body.add_widget(label(self.t("maint.no_camera"), colour="color_muted"))
            self._image = None
            return
        self._image = Image(size_hint_y=None, height=900, fit_mode="contain")
        body.add_widget(self._image)
        self._faces = label(self.t("maint.camera_faces", count=0))
        body.add_widget(self._faces)
        self._draw()

    def _draw(self) -> None:
        image = self._image
        if image is None or self.preview is None:
            return
        frame, boxes = self.preview.latest()
        if frame is None:
            return
        height, width = frame.shape[:2]
        texture = image.texture
        if texture is None or tuple(texture.size) != (width, height):
            texture = Texture.create(size=(width, height), colorfmt="bgr")
            texture.flip_vertical()
        texture.blit_buffer(frame.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        image.texture = texture
        image.canvas.after.clear()
        # Where the frame is drawn inside the widget ('contain' keeps its aspect ratio).
        scale = min(image.width / width, image.height / height)
        x0 = image.x + (image.width - width * scale) / 2
        y0 = image.y + (image.height - height * scale) / 2
        with image.canvas.after:
            Color(0.1, 0.9, 0.2, 1)
            for top, right, bottom, left in boxes:
                Line(rectangle=(x0 + left * scale, y0 + (height - bottom) * scale, (right - left) * scale,
                                (bottom - top) * scale), width=3)
        if self._faces is not None:
            self._faces.text = self.t("maint.camera_faces", count=len(boxes))
