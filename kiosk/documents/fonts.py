"""The CJK font embedded in every PDF the kiosk prints (WenQuanYi Micro Hei, Debian package fonts-wqy-microhei)."""
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
