"""Kivy's process-wide settings (window size, logging, input), applied before any Kivy module is imported."""
from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)


def configure_kivy(ui) -> None:
    """Call once, before importing screens.app: Kivy reads these when its modules first load."""
    # Kivy must not parse the kiosk's command line, nor install its own log handlers or write a log file:
    # its records go through the kiosk's handlers, which carry the personal-data filter.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(ui.width))
    Config.set("graphics", "height", str(ui.height))
    Config.set("graphics", "fullscreen", "auto" if ui.fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    # A public touchscreen: no keyboard exit, no red multitouch dots from a mouse right-click.
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if ui.fullscreen:
        # Lockdown (a production kiosk): fullscreen without decorations, no cursor; touch input is unaffected.
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
        from kivy.core.window import Window  # creates the window with the settings above

        lock_down(Window)


class Lockdown:
    """Refuses every way out of the app but one: window close requests (Alt+F4 or the close button, through the window
    manager) and exit keys are swallowed; `allow_exit()` (maintenance mode, after a staff credential) lets a close
    request through."""

    # Escape (Kivy's own exit key), F4 with Alt, Q/W with Ctrl, and the Android-style back key.
    _ESCAPE, _F4, _BACK = 27, 285, 1001

    def __init__(self, window):
        self.window = window
        self.exit_allowed = False
        window.bind(on_request_close=self._on_request_close, on_keyboard=self._on_keyboard)
        window.show_cursor = False
        logger.info("lockdown on: fullscreen, borderless, cursor hidden, exit keys and close requests refused")

    def allow_exit(self) -> None:
        self.exit_allowed = True

    def _on_request_close(self, *_args, **_kwargs) -> bool:
        if self.exit_allowed:
            return False
        logger.warning("lockdown: refused a window close request")
        return True  # True: handled, the app keeps running

    def _on_keyboard(self, _window, key, _scancode=None, _codepoint=None, modifiers=None, *_rest) -> bool:
        modifiers = set(modifiers or ())
        if key in (self._ESCAPE, self._BACK) or (key == self._F4 and "alt" in modifiers) or (
                "ctrl" in modifiers and key in (ord("q"), ord("w"))):
            logger.warning("lockdown: refused an exit key")
            return True
        return False


lockdown: Lockdown | None = None


def lock_down(window) -> Lockdown:
    """Install the lockdown on Kivy's window (once)."""
    global lockdown
    if lockdown is None:
        lockdown = Lockdown(window)
    return lockdown
