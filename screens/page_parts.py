"""Pieces the screens built page by page share (staff-assisted check, queue ticket, guide, rating): a wrapped label
in the theme's type, and the PIN or phone keypad's digits."""
from __future__ import annotations

import logging

from kivy.app import App

from screens.base import KioskLabel

logger = logging.getLogger(__name__)


def page_label(text: str, *, size: float | None = None, bold: bool = False, color=None,
               halign: str = "center") -> KioskLabel:
    """A wrapped label (line spacing 1.3) in the title size unless told."""
    app = App.get_running_app()
    label = KioskLabel(text=text, halign=halign, bold=bold, line_height=1.3)
    label.font_size = size or app.fs_title
    if color is not None:
        label.color = color
    return label


def key_pressed(digits: str, key: str, max_digits: int) -> tuple[str, str | None]:
    """A keypad key on the digits typed so far: (the digits now, the digits sent when it was OK, else None)."""
    if key == "clear":
        return "", None
    if key == "ok":
        return ("", digits) if digits else ("", None)
    if key.isdigit() and len(digits) < max_digits:
        return digits + key, None
    return digits, None
