"""Test and demo control channel: drives the running kiosk UI from outside; opened only by kiosk_testkit.kiosk_main.

`python -m kiosk_testkit.kiosk_main --config demo.toml --control /path/to/socket` and the app listens on that Unix
socket (mode 0600, local only) for one JSON object per line, answering one JSON object per line:
  {"cmd": "state"}                      -> current screen, language, overlay, visible texts (each with its window
                                           box and, when a ScrollView clips it, "clip": its viewport), buttons,
                                           overflows
  {"cmd": "tap", "intent": "service", "arg": "case_status"} or {"cmd": "tap", "text": "..."}
                                        -> a real touch down/up at the centre of that button, through the window
  {"cmd": "tap_at", "x": 540, "y": 900}   -> a touch at window pixel (x, y), origin bottom left
  {"cmd": "swipe", "x": 540, "y": 400, "x2": 540, "y2": 1400} -> a finger drag over a few frames (scrolling)
  {"cmd": "screenshot", "path": "/abs/file.png"} -> the window as drawn now, saved as PNG
  {"cmd": "post", "event": "MaintenanceRequested", "args": {"staff_id": "s1"}}
                                        -> a core event, as a device or the platform would post it
  {"cmd": "render", "view": {"state": "verify", "language": "en", ...}}
                                        -> draw a SessionView directly (states no event reaches in this build,
                                           e.g. face-check guidance); the next view from the session replaces it
The demo script uses it to take its screenshots and the UI tests to press buttons; `kiosk run` never opens it.
Each command runs on the Kivy thread (scheduled with Clock) and the socket thread waits for its answer.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.stencilview import StencilView

from kiosk import events as ev
from kiosk.flows.steps import step_from_json
from kiosk.session import SessionView, State
from screens.base import KioskButton

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 15.0


class _Touch(MotionEvent):
    """A touch like the touchscreen's: normalised position, dispatched through the window's input path."""

    def __init__(self, touch_id: int, x: float, y: float):
        super().__init__("control", touch_id, {"x": x, "y": y}, is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args):
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)


class ControlServer:
    def __init__(self, path: str | os.PathLike, app):
        self.path = Path(path)
        self.app = app
        self.ready = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._touch_ids = 1000

    def start(self) -> None:
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            self._sock.bind(str(self.path))
        finally:
            os.umask(old)
        self._sock.listen(4)
        self._thread = threading.Thread(target=self._serve, name="ui-control", daemon=True)
        self._thread.start()
        logger.warning("UI control channel open on %s (tests and demo only)", self.path)

    def stop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        try:
            self.path.unlink()
        except OSError:
            pass

    # -- socket thread -------------------------------------------------------------------------------------------
    def _serve(self) -> None:
        while self._sock is not None:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                try:
                    request = json.loads(line)
                    reply = self._on_kivy_thread(request)
                except Exception as exc:  # a bad command gets an answer, never kills the app
                    reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                stream.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
                stream.flush()

    def _on_kivy_thread(self, request: dict) -> dict:
        done = threading.Event()
        box: dict = {}

        def run(_dt):
            try:
                box["reply"] = self._execute(request)
            except Exception as exc:
                box["reply"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            done.set()

        Clock.schedule_once(run, 0)
        if not done.wait(COMMAND_TIMEOUT_S):
            return {"ok": False, "error": "the UI did not answer in time"}
        return box["reply"]

    # -- Kivy thread ---------------------------------------------------------------------------------------------
    def _execute(self, request: dict) -> dict:
        cmd = request.get("cmd")
        if self.app.root is None:
            return {"ok": False, "ready": False, "error": "the UI is not built yet"}
        if cmd == "state":
            return self._state()
        if cmd == "tap":
            return self._tap(request)
        if cmd == "tap_at":
            return self._touch_at(float(request["x"]), float(request["y"]))
        if cmd == "swipe":
            return self._swipe(request)
        if cmd == "screenshot":
            return self._screenshot(Path(request["path"]))
        if cmd == "render":
            self.app.render(build_view(request["view"]))
            return {"ok": True}
        if cmd == "post":
            self.app.post(build_event(request["event"], request.get("args") or {}))
            return {"ok": True}
        return {"ok": False, "error": f"unknown command {cmd!r}"}

    def _layers(self) -> list:
        """What is on screen, top first: the idle overlay when shown, then the current screen."""
        layers = []
        if self.app.idle_warning is not None and self.app.idle_warning.parent is not None:
            layers.append(self.app.idle_warning)
        for name in ("help_notice", "rating_panel"):  # call staff, 好差评 (screens/help_notice.py, rating_panel.py)
            overlay = getattr(self.app, name, None)
            if overlay is not None and overlay.parent is not None and not layers:
                layers.append(overlay)
        layers.append(self.app.manager.current_screen)
        return layers

    def _state(self) -> dict:
        texts, buttons, overflows = [], [], []
        layers = self._layers()
        for layer in layers:
            for widget in _labels(layer):
                if not widget.text or widget.opacity == 0:
                    continue
                x, y = widget.to_window(widget.x, widget.y)
                entry = {"text": _shown_text(widget), "x": round(x), "y": round(y), "width": round(widget.width),
                         "height": round(widget.height)}
                entry.update(_typography(widget))
                clip = _clip(widget)
                if clip is not None:  # drawn only inside this window rectangle (a ScrollView's viewport)
                    entry["clip"] = clip
                entry["layer"] = layers.index(layer)  # 0: the top layer (an overlay when one is shown)
                texts.append(entry)
                if isinstance(widget, KioskButton) and layer is layers[0]:  # only the top layer can be pressed
                    buttons.append({**entry, "intent": widget.intent, "arg": widget.intent_arg,
                                    "available": widget.available, "disabled": widget.disabled})
                problem = _overflow(widget, x, y)
                if problem:
                    overflows.append({**entry, "problem": problem})
        texts.sort(key=lambda e: (-e["y"], e["x"]))
        # Layouts run on Clock triggers after a render: a state is settled once two frames have been drawn since.
        settled = Clock.frames_displayed >= self.app.rendered_frame + 2
        return {"ok": True, "ready": self.ready, "settled": settled, "rendered": self.app.rendered_frame,
                "screen": self.app.manager.current,
                "language": self.app.language, "overlay": len(self._layers()) > 1,
                "texts": texts, "buttons": buttons, "overflows": overflows}

    def _tap(self, request: dict) -> dict:
        target = None
        for layer in self._layers():
            for widget in _labels(layer):
                if not isinstance(widget, KioskButton) or widget.disabled or widget.opacity == 0:
                    continue
                if "text" in request and _shown_text(widget) != request["text"]:
                    continue
                if "intent" in request and widget.intent != request["intent"]:
                    continue
                if request.get("arg") is not None and widget.intent_arg != request["arg"]:
                    continue
                target = widget
                break
            if target is not None or layer is not self.app.manager.current_screen:
                break  # the overlay covers everything below it
        if target is None:
            return {"ok": False, "error": f"no such button on the {self.app.manager.current} screen"}
        x, y = target.to_window(*target.center)
        return {**self._touch_at(x, y), "text": _shown_text(target)}

    def _touch_at(self, x: float, y: float) -> dict:
        """Touch down and up at window pixel (x, y), through the same input path as the touchscreen."""
        from kivy.base import EventLoop

        self._touch_ids += 1
        touch = _Touch(self._touch_ids, x / Window.width, y / Window.height)
        EventLoop.post_dispatch_input("begin", touch)
        EventLoop.post_dispatch_input("end", touch)
        return {"ok": True, "x": round(x), "y": round(y)}

    def _swipe(self, request: dict) -> dict:
        """A finger drag from (x, y) to (x2, y2), moved over `frames` frames like a real hand."""
        from kivy.base import EventLoop

        x, y, x2, y2 = (float(request[k]) for k in ("x", "y", "x2", "y2"))
        frames = max(2, int(request.get("frames", 12)))
        self._touch_ids += 1
        touch = _Touch(self._touch_ids, x / Window.width, y / Window.height)
        EventLoop.post_dispatch_input("begin", touch)
        step = [0]

        def move(_dt):
            step[0] += 1
            f = step[0] / frames
            touch.move({"x": (x + (x2 - x) * f) / Window.width, "y": (y + (y2 - y) * f) / Window.height})
            EventLoop.post_dispatch_input("update", touch)
            if step[0] >= frames:
                EventLoop.post_dispatch_input("end", touch)
                return False
            return True

        Clock.schedule_interval(move, 1 / 60)
        return {"ok": True, "frames": frames}

    def _screenshot(self, path: Path) -> dict:
        from screens.screen_capture import grab_image

        image = grab_image()  # the current scene drawn into the back buffer and read before any flip
        width, height = image.size
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        return {"ok": True, "path": str(path), "width": width, "height": height}


def _typography(label: Label) -> dict:
    """What the accessibility checks read: type size (px = dp here), line spacing, the text colour, a button's fill."""
    extra = {"font_size": round(float(label.font_size), 1), "line_height": round(float(label.line_height), 2),
             "color": [round(float(c), 3) for c in label.color[:3]], "lines": max(1, label.text.count("\n") + 1)}
    if isinstance(label, KioskButton):
        extra["background"] = [round(float(c), 3) for c in label.background[:3]]
    return extra


def _shown_text(label: Label) -> str:
    """The label's text as the screen set it, before line breaks were added for Chinese wrapping."""
    return getattr(label, "source_text", None) or label.text


def _labels(root):
    for widget in root.walk(restrict=True):
        if isinstance(widget, Label):
            yield widget


def _in_scrollview(widget) -> bool:
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            return True
        parent = parent.parent
    return False


def _clip(widget) -> list[int] | None:
    """The window rectangle [x, y, width, height] the widget is drawn in when a StencilView (a ScrollView) clips
    it: the intersection of its clipping ancestors' boxes; None when nothing clips it."""
    box = None
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, StencilView):
            x, y = parent.to_window(parent.x, parent.y)
            x2, y2 = x + parent.width, y + parent.height
            if box is not None:
                x, y, x2, y2 = max(x, box[0]), max(y, box[1]), min(x2, box[2]), min(y2, box[3])
            box = (x, y, max(x, x2), max(y, y2))
        parent = parent.parent
    if box is None:
        return None
    return [round(box[0]), round(box[1]), round(box[2] - box[0]), round(box[3] - box[1])]


def _overflow(label: Label, x: float, y: float) -> str | None:
    """Why a label's text does not fit: wider or taller than its widget, or the widget off the window."""
    tw, th = label.texture_size
    if tw > label.width + 2:
        return f"text {tw:.0f}px wide in a {label.width:.0f}px widget"
    if th > label.height + 2:
        return f"text {th:.0f}px tall in a {label.height:.0f}px widget"
    word = _word_too_wide(label)
    if word:
        return f"the word {word!r} is wider than its widget and gets split"
    if x < -1 or x + label.width > Window.width + 1:
        return "widget runs off the screen sideways"
    if not _in_scrollview(label) and (y < -1 or y + label.height > Window.height + 1):
        return "widget runs off the screen"
    return None


def _word_too_wide(label: Label) -> str | None:
    """A Latin word that cannot fit on one line is broken mid-word by Kivy (CJK text may break anywhere)."""
    width = label.text_size[0]
    if not width:
        return None
    from kivy.core.text import Label as CoreLabel

    measure = CoreLabel(font_name=label.font_name, font_size=label.font_size, bold=label.bold)
    for word in label.text.split():
        if word.isascii() and measure.get_extents(word)[0] > width + 1:
            return word
    return None


def build_view(fields: dict) -> SessionView:
    """A SessionView from JSON, for screenshots of states this build cannot reach through events (tests only)."""
    fields = dict(fields)
    fields["state"] = State(fields["state"])
    if "cases" in fields:
        fields["cases"] = tuple(_case(c) for c in fields["cases"])
    for key in ("services", "services_unavailable", "unusable_devices"):
        if key in fields:
            fields[key] = tuple(fields[key])
    if isinstance(fields.get("flow"), dict):
        fields["flow"] = step_from_json(fields["flow"])
    return SessionView(**fields)


def build_event(name: str, args: dict) -> ev.Event:
    """A core event from its class name and JSON arguments (cases and cards become attribute objects)."""
    cls = getattr(ev, name, None)
    if not (isinstance(cls, type) and issubclass(cls, ev.Event)):
        raise ValueError(f"unknown event {name!r}")
    if name == "CasesLoaded":
        args = {**args, "cases": tuple(_case(c) for c in args.get("cases", ()))}
    if name == "CardRead" and isinstance(args.get("card"), dict):
        args = {**args, "card": _card(args["card"])}
    return cls(**args)


def _case(data: dict):
    try:
        from kiosk.cases import Case
    except ImportError:  # before the platform client exists: the same fields as plain attributes
        steps = tuple(SimpleNamespace(status=s["status"], done=s["done"],
                                      at=datetime.fromisoformat(s["at"]) if s.get("at") else None)
                      for s in data.get("timeline", ()))
        fields = {**data, "timeline": steps}
        for key in ("received_on", "deadline"):
            if fields.get(key):
                fields[key] = date.fromisoformat(fields[key])
        return SimpleNamespace(**fields)
    return Case.from_json(data)


def _card(data: dict):
    fields = dict(data)
    fields.setdefault("expired", False)
    return SimpleNamespace(**fields)
