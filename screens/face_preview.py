"""The face step's picture: the live camera preview, mirrored like a looking-glass, at the camera's frame rate, with
the face outline, an animated hint for the current guidance and a countdown ring that moves on its own clock.

Frames come straight from the camera (the maintenance CameraPreview's camera, read only) into a texture: never
through the session's view, never written anywhere. Without a camera the outline and the ring are still drawn.
"""
from __future__ import annotations

import logging
import math
import time

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget

from screens.base import KioskLabel

logger = logging.getLogger(__name__)

FRAME_S = 1 / 30  # the camera's rate: a picture that lags the face confuses people


def camera_of(app):
    """The camera the face step shows (the one the verifier reads), or None."""
    preview = getattr(app, "camera_preview", None)
    return getattr(preview, "camera", None)


class FacePreview(Widget):
    """seconds_left counts down from what the verifier last said (set_countdown) by the frame clock."""

    guidance = StringProperty("")
    seconds_left = NumericProperty(-1)  # -1: no countdown shown
    frames_drawn = NumericProperty(0)  # for the tests: the preview is live

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._texture: Texture | None = None
        self._event = None
        self._deadline: float | None = None
        self._total = 1.0
        self._started = time.monotonic()
        self.bind(pos=self._redraw, size=self._redraw)

    # -- control ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._event is None:
            self._started = time.monotonic()
            self._event = Clock.schedule_interval(self._tick, FRAME_S)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._texture = None  # the last frame of this applicant's face is dropped with the screen
        self._deadline = None
        self.seconds_left = -1
        self._redraw()

    def set_countdown(self, seconds_left: float | None, total: float | None = None) -> None:
        if seconds_left is None:
            self._deadline = None
            self.seconds_left = -1
            return
        self._deadline = time.monotonic() + max(0.0, seconds_left)
        if total:
            self._total = max(float(total), seconds_left, 1.0)
        elif seconds_left > self._total:
            self._total = seconds_left
        self.seconds_left = math.ceil(max(0.0, seconds_left))

    @property
    def has_camera(self) -> bool:
        return camera_of(App.get_running_app()) is not None

    # -- per frame --------------------------------------------------------------------------------------------
    def _tick(self, _dt) -> None:
        if self._deadline is not None:
            self.seconds_left = math.ceil(max(0.0, self._deadline - time.monotonic()))
        camera = camera_of(App.get_running_app())
        frame = camera.latest() if camera is not None else None
        image = getattr(frame, "image", frame)
        if image is not None:
            height, width = image.shape[:2]
            if self._texture is None or tuple(self._texture.size) != (width, height):
                self._texture = Texture.create(size=(width, height), colorfmt="bgr")
                self._texture.flip_vertical()
                self._texture.flip_horizontal()  # mirrored: moving left moves the picture left
            self._texture.blit_buffer(image.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
            self.frames_drawn += 1
        self._redraw()

    def _redraw(self, *_args) -> None:
        app = App.get_running_app()
        self.canvas.clear()
        x, y, w, h = self.x, self.y, self.width, self.height
        oval_w, oval_h = w * 0.62, h * 0.82
        ox, oy = x + (w - oval_w) / 2, y + (h - oval_h) / 2
        phase = (time.monotonic() - self._started) * 2 * math.pi / 1.6  # one breath every 1.6 s
        with self.canvas:
            if self._texture is not None:
                Color(1, 1, 1, 1)
                tw, th = self._texture.size
                scale = max(w / tw, h / th)  # fill the frame, cropping the sides
                dw, dh = tw * scale, th * scale
                u0, v0 = (dw - w) / 2 / dw, (dh - h) / 2 / dh
                region = self._texture.get_region(int(u0 * tw), int(v0 * th), int(tw * (1 - 2 * u0)),
                                                  int(th * (1 - 2 * v0)))
                Rectangle(texture=region, pos=(x, y), size=(w, h))
                Color(0, 0, 0, 0.35)  # dim outside the oval so the face inside stands out
                Line(ellipse=(ox - 60, oy - 60, oval_w + 120, oval_h + 120), width=60)
            else:
                Color(*app.color_card)
                Rectangle(pos=(x, y), size=(w, h))
            # the face outline, breathing gently: where to put the face
            grow = 6 * math.sin(phase)
            if self.guidance == "move_closer":
                grow = 18 * (0.5 + 0.5 * math.sin(phase))
            Color(*app.color_primary)
            Line(ellipse=(ox - grow, oy - grow, oval_w + 2 * grow, oval_h + 2 * grow), width=6)
            self._draw_hint(app, ox, oy, oval_w, oval_h, phase)
            if self._deadline is not None and self.seconds_left >= 0:
                left = max(0.0, self._deadline - time.monotonic())
                Color(*app.color_warn)
                sweep = 360 * min(1.0, left / self._total)
                Line(ellipse=(ox - 30, oy - 30, oval_w + 60, oval_h + 60, 0, sweep), width=10)

    def _draw_hint(self, app, ox, oy, ow, oh, phase) -> None:
        """An arrow moving the way to turn; a blinking eye line for a blink."""
        g = self.guidance
        cy = oy + oh / 2
        if g in ("turn_left", "turn_right"):
            # the picture is mirrored: turning to one's left moves the face to the screen's left
            direction = -1 if g == "turn_left" else 1
            shift = 30 * (0.5 + 0.5 * math.sin(phase))
            tip = ox + ow / 2 + direction * (ow / 2 + 70 + shift)
            Color(*app.color_primary)
            Line(points=[tip - direction * 60, cy + 60, tip, cy, tip - direction * 60, cy - 60], width=10)
            Line(points=[tip - direction * 160, cy, tip, cy], width=10)
        elif g == "blink":
            closed = math.sin(phase * 2) > 0.6
            Color(*app.color_primary)
            for ex in (ox + ow * 0.33, ox + ow * 0.67):
                if closed:
                    Line(points=[ex - 40, cy + oh * 0.12, ex + 40, cy + oh * 0.12], width=6)
                else:
                    Ellipse(pos=(ex - 14, cy + oh * 0.12 - 14), size=(28, 28))


class PartyFaceStep:
    """The signer's face step on the bank screen: the hall's live preview with its outline and countdown ring, the
    seconds left in words (moving by the preview's clock) and 退出, which ends the session and stops the camera."""

    def __init__(self, screen):
        self.screen = screen
        self.preview = None
        self.countdown: KioskLabel | None = None
        self._ticker = None

    def build(self, step) -> None:
        from kivy.clock import Clock
        from kivy.factory import Factory

        screen = self.screen
        self.preview = FacePreview(size_hint=(None, None), size=(560, 600), pos_hint={"center_x": 0.5})
        screen.ids.body.add_widget(self.preview)
        self.countdown = KioskLabel(text="", halign="center")
        screen.ids.body.add_widget(self.countdown)
        self.preview.start()
        self.show(step)
        screen.ids.footer.add_widget(Factory.SecondaryButton(text=screen.t("button.exit"), intent="cancel"))
        self._ticker = Clock.schedule_interval(lambda _dt: self._tick(), 0.25)

    def show(self, step) -> None:
        if self.preview is None:
            return
        self.preview.guidance = step.verify_guidance or ""
        if step.verify_seconds_left is not None:
            self.preview.set_countdown(step.verify_seconds_left)
        self._tick()

    def _tick(self) -> None:
        if self.preview is None or self.countdown is None:
            return
        seconds = self.preview.seconds_left
        text = self.screen.t("verify.seconds_left", seconds=int(seconds)) if seconds >= 0 else ""
        if self.countdown.text != text:
            self.countdown.text = text

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if self.preview is not None:
            self.preview.stop()
        self.preview = self.countdown = None
