"""Lockdown of the kiosk window, on a real X server (Xvfb) with real X events: fullscreen, Escape and Alt+F4 do
nothing, a window-manager close request (WM_DELETE_WINDOW) is refused, and a real pointer click still works."""
from __future__ import annotations

import ctypes
import shutil
import subprocess

import pytest

from kiosk_testkit.demo import demo_site_config
from kiosk_testkit.harness import KioskProcess
from kiosk_testkit.xvfb import VirtualDisplay
from tests.waiting import wait_for

pytestmark = [pytest.mark.ui, pytest.mark.slow]

WIDTH, HEIGHT = 1080, 1920


def xdotool(display: str, *args: str) -> str:
    result = subprocess.run(["xdotool", *args], env={"DISPLAY": display}, capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, f"xdotool {args} on {display!r}: {result.stderr.strip()}"
    return result.stdout.strip()


def kiosk_window(display: str) -> int:
    """The X window under the pointer at the screen's centre: the kiosk's (nothing else runs on this display)."""
    xdotool(display, "mousemove", str(WIDTH // 2), str(HEIGHT // 2))
    location = dict(line.split("=") for line in xdotool(display, "getmouselocation", "--shell").splitlines())
    return int(location["WINDOW"])


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def send_close_request(display: str, window: int) -> None:
    """What a window manager sends when the user closes a window: a WM_PROTOCOLS/WM_DELETE_WINDOW client message."""
    x11 = ctypes.cdll.LoadLibrary("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(_XEvent)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open X display {display}"
    try:
        event = _XEvent()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window
        event.xclient.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        event.xclient.data[1] = 0  # CurrentTime
        assert x11.XSendEvent(dpy, window, 0, 0, ctypes.byref(event))
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    if shutil.which("xdotool") is None or shutil.which("Xvfb") is None:
        pytest.skip("xdotool or Xvfb is not installed (scripts/system-deps.sh)")
    workdir = tmp_path_factory.mktemp("lockdown")
    config = demo_site_config(workdir, card_port=None, extra={"ui": {"fullscreen": True}})
    xvfb = VirtualDisplay(WIDTH, HEIGHT).start()
    display = xvfb.display
    kiosk = KioskProcess(config, workdir=workdir, display=display)
    try:
        kiosk.start()
        yield kiosk, display
    except Exception:
        print(kiosk.log_text())
        raise
    finally:
        kiosk.stop()
        xvfb.stop()


def test_window_is_fullscreen_and_borderless(locked):
    kiosk, display = locked
    window = kiosk_window(display)
    geometry = xdotool(display, "getwindowgeometry", "--shell", str(window))
    values = dict(line.split("=") for line in geometry.splitlines())
    assert (int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])) == (0, 0, WIDTH, HEIGHT)
    assert "lockdown on" in kiosk.log_text()


def test_exit_keys_do_not_end_the_app(locked):
    kiosk, display = locked
    xdotool(display, "mousemove", str(WIDTH // 2), str(HEIGHT // 2))  # keyboard focus follows the pointer (no WM)
    for key in ("Escape", "alt+F4", "ctrl+q"):
        xdotool(display, "key", key)
    wait_for(lambda: kiosk.log_text().count("lockdown: refused an exit key") >= 3, 20, "the exit keys to arrive")
    assert kiosk.alive()
    assert kiosk.client.state()["screen"] == "attract"


def test_close_request_is_refused(locked):
    kiosk, display = locked
    window = kiosk_window(display)
    send_close_request(display, window)
    wait_for(lambda: "lockdown: refused a window close request" in kiosk.log_text(), 20,
             "the close request to arrive")
    assert kiosk.alive()
    assert kiosk.client.state()["screen"] == "attract"


def test_a_real_pointer_touch_still_works(locked):
    kiosk, display = locked
    state = kiosk.client.state()
    # by intent: the title bar's first buttons (呼叫工作人员, 长辈模式, 音量) open an overlay or change nothing visible
    button = next(b for b in state["buttons"] if b.get("intent") == "start")
    x = int(button["x"] + button["width"] / 2)
    y = int(HEIGHT - (button["y"] + button["height"] / 2))  # Kivy's y grows upwards, X's downwards
    before = state["screen"], kiosk.client.state().get("language")
    xdotool(display, "mousemove", str(x), str(y), "click", "1")
    wait_for(lambda: (kiosk.client.state()["screen"], kiosk.client.state().get("language")) != before, 20,
             f"the tap on {button} to change the screen")
