"""The CJK font embedded in every PDF the kiosk prints: pdfparts, shared with the gateway's downloadable PDFs."""
from __future__ import annotations

import logging

from pdfparts import CJK_FONT, CJK_FONT_PATH, FontMissing, register_cjk_font

logger = logging.getLogger(__name__)

__all__ = ["CJK_FONT", "CJK_FONT_PATH", "FontMissing", "register_cjk_font"]
