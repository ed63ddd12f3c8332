"""The window as drawn, as PNG bytes: for staff's remote view (kiosk.fleet.remote_view) and the test kit."""
from __future__ import annotations

import io
import threading

from kivy.clock import Clock
from kivy.core.window import Window


def grab_image():
    """On the Kivy thread: the current scene drawn into the back buffer and read before any flip (a PIL image)."""
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    Window.dispatch("on_draw")
    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    return Image.frombytes("RGB", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM)


class NotShowable(RuntimeError):
    """The window shows a screen that may hold an applicant's data: no picture of it."""


def capture_png(max_width: int = 540, timeout_s: float = 10.0, allowed=None) -> bytes:
    """From any thread: a PNG of the window, scaled down to max_width (staff see the layout, not a pixel copy).
    allowed(): checked on the Kivy thread just before the window is read (the screen shown may be taken)."""
    done = threading.Event()
    result: dict = {}

    def grab(_dt):
        try:
            if allowed is not None and not allowed():
                raise NotShowable("the window shows a session screen")
            image = grab_image()
            if image.width > max_width:
                image = image.resize((max_width, round(image.height * max_width / image.width)))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            result["png"] = out.getvalue()
        except Exception as exc:  # reported to the caller
            result["error"] = exc
        finally:
            done.set()
    Clock.schedule_once(grab, 0)
    if not done.wait(timeout_s):
        raise TimeoutError("the window was not drawn in time")
    if "error" in result:
        raise result["error"]
    return result["png"]
