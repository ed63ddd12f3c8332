"""What every PDF of the project shares, kiosk and gateway alike: the embedded CJK font and CJK line wrapping.

A neutral package so that the gateway and the kiosk (which share nothing else but the HTTP API) render Chinese the
same way: WenQuanYi Micro Hei from the Debian package fonts-wqy-microhei, embedded as a subset in each PDF.
"""
from __future__ import annotations

import logging
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FONT = "WQYMicroHei"


class FontMissing(RuntimeError):
    pass


def register_cjk_font(path: Path = CJK_FONT_PATH) -> str:
    """Registers the font once with reportlab (embedded as a subset in each PDF); returns its name."""
    if CJK_FONT in pdfmetrics.getRegisteredFontNames():
        return CJK_FONT
    if not path.exists():
        raise FontMissing(f"CJK font {path} not found: install the Debian package fonts-wqy-microhei")
    pdfmetrics.registerFont(TTFont(CJK_FONT, str(path), subfontIndex=0))
    return CJK_FONT


def wrap(text: str, width: int) -> list[str]:
    """Wraps by character count (CJK text has no spaces to break at)."""
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]
