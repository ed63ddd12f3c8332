"""Finds the CJK font the screens draw with and registers it with Kivy as the default font.

Chinese must never render as empty boxes, so the kiosk refuses to start without a font that has the glyphs:
config ui.font_path if set, else WenQuanYi Micro Hei from Debian's fonts-wqy-microhei.
"""
from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_NAME = "KioskCJK"


class FontNotFound(Exception):
    """No usable CJK font: the message says what to install or configure."""


def find_font(configured: Path | str | None = None) -> Path:
    """The font file to use: the configured one (which must exist), else the Debian default."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontNotFound(f"ui.font_path: font file {path} not found")
        return path
    if DEFAULT_FONT.is_file():
        return DEFAULT_FONT
    raise FontNotFound(f"no CJK font: install the Debian package fonts-wqy-microhei ({DEFAULT_FONT}) "
                       "or set ui.font_path to a font with Chinese glyphs")


def register_font(path: Path) -> str:
    """Registers the font under FONT_NAME and as Kivy's default (Roboto) so every label and input uses it."""
    from kivy.core.text import DEFAULT_FONT as KIVY_DEFAULT, LabelBase

    LabelBase.register(FONT_NAME, str(path))
    LabelBase.register(KIVY_DEFAULT, str(path))
    logger.info("font %s registered", path.name)
    return FONT_NAME
