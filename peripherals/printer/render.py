"""Turns recorded ESC/POS bytes into a PNG preview: what the paper would show, Chinese included.

Text is drawn in fixed cells like a printer's font A (12 x 24 dots, CJK 24 x 24) with WenQuanYi Micro Hei from the
Debian package fonts-wqy-microhei; native QR codes are drawn from their stored data; raster images are pasted as
sent; HT moves to the tab stops of ESC D. Bytes outside Chinese mode are read in the selected code page, so a line
sent without `FS &` on a printer that needs it shows up as the garbage it would print.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from qrcode.exceptions import DataOverflowError
from PIL import Image, ImageDraw, ImageFont, ImageOps

from peripherals.printer.layout import PAPER_DOTS, char_columns
from peripherals.printer.protocol import Command, EscposParser, TextRun

logger = logging.getLogger(__name__)

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CELL_W, CELL_H = 12, 24
LATIN_SIZE, LATIN_BASELINE = 20, 19  # WenQuanYi at 20 px: ascent 19, descent 5, so a whole Latin glyph fits 24
MARGIN = 16
CODE_PAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 19: "cp858"}
DEFAULT_TABS = tuple(range(8, 256, 8))  # after ESC @: a tab stop every 8 characters
QR_EC = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
         50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}


class FontMissing(RuntimeError):
    pass


@dataclass
class _Segment:
    data: bytearray
    chinese: bool
    codepage: str
    bold: bool
    wmul: int
    hmul: int


@dataclass
class _State:
    align: int = 0
    bold: bool = False
    wmul: int = 1
    hmul: int = 1
    chinese: bool = False
    codepage: str = "cp437"
    line_spacing: int = 30
    qr_size: int = 3
    qr_ec: int = 48
    qr_data: bytes = b""
    tabs: tuple = DEFAULT_TABS
    line: list = field(default_factory=list)


class ReceiptRenderer:
    def __init__(self, paper_width_mm: int = 80, font_path: Path = FONT_PATH, chinese_default: bool = False):
        if not Path(font_path).exists():
            raise FontMissing(f"CJK font {font_path} not found: install the Debian package fonts-wqy-microhei")
        self.width = PAPER_DOTS[paper_width_mm]
        self.font_path = str(font_path)
        self.chinese_default = chinese_default
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}

    def _font(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._fonts:
            self._fonts[size] = ImageFont.truetype(self.font_path, size)
        return self._fonts[size]

    def render(self, data: bytes) -> Image.Image:
        rows: list[Image.Image] = []
        state = _State(chinese=self.chinese_default)
        for token in EscposParser().feed(data):
            if isinstance(token, TextRun):
                self._add_text(state, token.data)
            else:
                self._command(state, token, rows)
        if state.line:
            rows.append(self._line_image(state))
        height = sum(r.height for r in rows) + 2 * MARGIN
        page = Image.new("L", (self.width + 2 * MARGIN, max(height, 2 * MARGIN + CELL_H)), 255)
        y = MARGIN
        for row in rows:
            page.paste(row, (MARGIN, y))
            y += row.height
        return page

    # -- text -------------------------------------------------------------------------------------------------
    def _add_text(self, state: _State, data: bytes) -> None:
        line = state.line
        if line and (seg := line[-1]).chinese == state.chinese and seg.codepage == state.codepage \
                and seg.bold == state.bold and seg.wmul == state.wmul and seg.hmul == state.hmul:
            seg.data += data
        else:
            line.append(_Segment(bytearray(data), state.chinese, state.codepage, state.bold, state.wmul, state.hmul))

    def _cells(self, state: _State) -> list:
        cells = []  # (char, width dots, height dots, bold)
        for seg in state.line:
            text = bytes(seg.data).decode("gb18030" if seg.chinese else seg.codepage, errors="replace")
            for ch in text:
                cols = char_columns(ch) if seg.chinese else 1
                cells.append((ch, cols * CELL_W * seg.wmul, CELL_H * seg.hmul, seg.bold))
        return cells

    def _tab(self, state: _State) -> None:
        """HT: blank up to the next tab stop (in font A character widths); ignored past the last one."""
        x = sum(c[1] for c in self._cells(state))
        unit = CELL_W * state.wmul  # a tab stop counts characters of the current width
        stop = next((t * unit for t in state.tabs if t * unit > x), None)
        if stop is None or stop > self.width:
            return
        state.line.append(_Segment(bytearray(b" " * ((stop - x) // CELL_W)), False, "cp437", False, 1, 1))

    def _line_image(self, state: _State) -> Image.Image:
        cells = self._cells(state)
        state.line = []
        height = max([c[2] for c in cells] + [CELL_H])
        row = Image.new("L", (self.width, max(height + state.line_spacing - CELL_H, height)), 255)
        total = sum(c[1] for c in cells)
        x = {0: 0, 1: (self.width - total) // 2, 2: self.width - total}.get(state.align, 0)
        x = max(0, x)
        for ch, w, h, bold in cells:
            if x + w > self.width:  # the printer wraps; the preview clips (templates wrap before this)
                break
            if ch.strip():
                glyph = self._glyph(ch, w, h, bold)
                row.paste(glyph, (x, height - h))
            x += w
        return row

    def _glyph(self, ch: str, w: int, h: int, bold: bool) -> Image.Image:
        # Drawn at the base cell height, then scaled: double width/height stretch the glyph as a printer does.
        # Latin letters, digits and signs sit on a common baseline at a size whose descenders (g, j, p, y, J) fit
        # the 24-dot cell, as in a printer's 12 x 24 font; CJK glyphs fill their 24 x 24 cell, centred.
        latin = ord(ch) < 0x2E80
        font = self._font(LATIN_SIZE if latin else CELL_H)
        base_w = max(1, w * CELL_H // h if h else w)
        stroke = 1 if bold else 0
        anchor, y = ("ms", LATIN_BASELINE) if latin else ("mm", CELL_H / 2)
        left, _, right, _ = font.getbbox(ch, anchor=anchor, stroke_width=stroke)
        canvas_w = max(base_w, math.ceil(right - left))  # a glyph wider than its cell is squeezed, not clipped
        cell = Image.new("L", (canvas_w, CELL_H), 255)
        ImageDraw.Draw(cell).text((canvas_w / 2, y), ch, font=font, fill=0, anchor=anchor,
                                  stroke_width=stroke, stroke_fill=0)
        if (canvas_w, CELL_H) != (w, h):
            cell = cell.resize((w, h))
        return cell

    # -- commands ---------------------------------------------------------------------------------------------
    def _command(self, state: _State, cmd: Command, rows: list) -> None:
        name, p = cmd.name, cmd.params
        if name == "LF":
            rows.append(self._line_image(state))
        elif name == "ESC @":
            rows_line = state.line
            state.__init__(chinese=self.chinese_default)
            state.line = rows_line
        elif name == "HT":
            self._tab(state)
        elif name == "ESC D":
            state.tabs = tuple(sorted(set(p)))
        elif name == "ESC a":
            state.align = p[0] % 48 if p[0] >= 48 else p[0]
        elif name == "ESC E":
            state.bold = bool(p[0] & 1)
        elif name == "ESC !":
            state.bold = bool(p[0] & 0x08)
            state.hmul = 2 if p[0] & 0x10 else 1
            state.wmul = 2 if p[0] & 0x20 else 1
        elif name == "GS !":
            state.wmul = (p[0] >> 4) + 1
            state.hmul = (p[0] & 0x0F) + 1
        elif name == "FS &":
            state.chinese = True
        elif name == "FS .":
            state.chinese = False
        elif name == "ESC t":
            state.codepage = CODE_PAGES.get(p[0], "cp437")
        elif name == "ESC 2":
            state.line_spacing = 30
        elif name == "ESC 3":
            state.line_spacing = p[0]
        elif name == "ESC d":
            if state.line:
                rows.append(self._line_image(state))
            for _ in range(p[0]):
                rows.append(Image.new("L", (self.width, state.line_spacing), 255))
        elif name == "ESC J":
            rows.append(Image.new("L", (self.width, max(1, p[0])), 255))
        elif name == "GS v 0" and cmd.payload and len(cmd.params) == 6:
            rows.append(self._raster(state, p, cmd.payload))
        elif name == "GS ( k":
            self._qr(state, cmd.payload, rows)
        elif name == "GS V":
            rows.append(self._cut_mark())

    def _raster(self, state: _State, params: bytes, payload: bytes) -> Image.Image:
        width_bytes = params[2] | params[3] << 8  # params: "0", m, xL, xH, yL, yH
        height = params[4] | params[5] << 8
        if not width_bytes or not height:
            return Image.new("L", (self.width, 1), 255)
        bitmap = Image.frombytes("1", (width_bytes * 8, height), payload)
        image = ImageOps.invert(bitmap.convert("L"))  # ESC/POS: a set bit is a black dot
        return self._placed(state, image)

    def _placed(self, state: _State, image: Image.Image) -> Image.Image:
        row = Image.new("L", (self.width, image.height), 255)
        x = {0: 0, 1: (self.width - image.width) // 2, 2: self.width - image.width}.get(state.align, 0)
        row.paste(image.crop((0, 0, min(image.width, self.width), image.height)), (max(0, x), 0))
        return row

    def _qr(self, state: _State, payload: bytes, rows: list) -> None:
        if len(payload) < 2 or payload[0] != 0x31:
            return
        fn = payload[1]
        if fn == ord("C") and len(payload) >= 3:
            state.qr_size = payload[2]
        elif fn == ord("E") and len(payload) >= 3:
            state.qr_ec = payload[2]
        elif fn == ord("P"):
            state.qr_data = bytes(payload[3:])
        elif fn == ord("Q") and state.qr_data:
            code = qrcode.QRCode(error_correction=QR_EC.get(state.qr_ec, qrcode.constants.ERROR_CORRECT_L),
                                 box_size=min(16, max(1, state.qr_size)), border=0)
            try:
                code.add_data(state.qr_data)
                code.make(fit=True)
            except (DataOverflowError, ValueError):
                return  # more data than a QR symbol holds: the printer prints nothing either
            # The printer prints the symbol only: its quiet zone is whatever blank the job leaves around it.
            rows.append(self._placed(state, code.make_image().get_image().convert("L")))

    def _cut_mark(self) -> Image.Image:
        row = Image.new("L", (self.width, 24), 255)
        draw = ImageDraw.Draw(row)
        for x in range(0, self.width, 16):
            draw.line((x, 12, x + 8, 12), fill=128, width=2)
        return row


def render_receipt(data: bytes, paper_width_mm: int = 80, chinese_default: bool = False) -> Image.Image:
    return ReceiptRenderer(paper_width_mm, chinese_default=chinese_default).render(data)


def save_preview(data: bytes, path, paper_width_mm: int = 80) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    render_receipt(data, paper_width_mm).save(path, format="PNG")
    return path
