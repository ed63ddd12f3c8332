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
