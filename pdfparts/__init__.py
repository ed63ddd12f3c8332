"""What every PDF of the project shares, kiosk and gateway alike: the embedded CJK font and CJK line wrapping.

Lines are broken by reportlab's own CJK paragraph wrapping (wordWrap="CJK"), taught the Chinese closing
punctuation of catalog.punctuation: reportlab's table is Japanese, so on its own it starts lines with "，" or "》".

A neutral package so that the gateway and the kiosk (which share nothing else but the HTTP API) render Chinese the
same way: WenQuanYi Micro Hei from the Debian package fonts-wqy-microhei, embedded as a subset in each PDF.
"""
from __future__ import annotations

import logging
from pathlib import Path

from xml.sax.saxutils import escape

import reportlab.lib.textsplit as reportlab_textsplit
import reportlab.platypus.paragraph as reportlab_paragraph
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from catalog.punctuation import NO_LINE_START

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


def _teach_chinese_closing_punctuation() -> None:
    """Adds the Chinese closing marks to the "cannot start a line" table reportlab's CJK wrapping reads (a module
    global in each of the two modules that break lines: single-fragment paragraphs and the general case); such a mark
    then hangs in the right margin instead of starting the next line. Idempotent."""
    for module in (reportlab_textsplit, reportlab_paragraph):
        missing = "".join(sorted(c for c in NO_LINE_START if c not in module.ALL_CANNOT_START))
        module.ALL_CANNOT_START += missing


_teach_chinese_closing_punctuation()
_CLOSING = "".join(sorted(NO_LINE_START))


def wrap(text: str, width: float, font_size: float) -> list[str]:
    """The lines reportlab's CJK paragraph wrapping makes of text in the CJK font at font_size, width points wide;
    no line starts with closing punctuation (it hangs in the margin at the end of the line before)."""
    style = ParagraphStyle("pdfparts-wrap", fontName=register_cjk_font(), fontSize=font_size,
                           leading=font_size * 1.2, wordWrap="CJK")
    paragraph = Paragraph(escape(text), style)
    paragraph.wrap(width, 1e9)
    lines: list[str] = []
    for line in paragraph.blPara.lines:
        if isinstance(line, tuple):  # (extra space, [words]): the single-fragment form
            text_of_line = " ".join(line[1])
        else:
            text_of_line = "".join(word.text for word in line.words)
        # reportlab hangs one closing mark; the rest of a run ("》，", "）。") joins it on the line before.
        rest = text_of_line.lstrip(_CLOSING)
        if lines and rest != text_of_line:
            lines[-1] += text_of_line[:len(text_of_line) - len(rest)]
            text_of_line = rest.lstrip(" ")
            if not text_of_line:
                continue
        lines.append(text_of_line)
    return lines or [""]
