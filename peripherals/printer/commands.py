"""The ESC/POS command logic (one class, after python-escpos's Escpos) over any connector.

Chinese text is encoded to GB18030 here, after `FS &` (enter Chinese mode) where the printer needs it, instead of
python-escpos's guess (which falls back to a code page and prints `?` for full-width punctuation or rarer
characters). QR codes are sent natively (`GS ( k`, a few dozen bytes) or, for printers without it, as a raster image
of the symbol alone; both are centred with `ESC a`, and the 4-module quiet zone the QR specification asks for is
blank paper: fed lines above and below (a printer prints the symbol only), and the centred symbol's side margins
(the module size is reduced if the paper is too narrow for them).

A two-column row sets one tab stop (`ESC D n NUL`) and jumps to it with HT instead of sending the gap as spaces
when that is shorter: the blank of a 48-column row is most of its bytes.
"""
from __future__ import annotations

import logging

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.image import EscposImage

from peripherals.printer.connectors import Connector, MemoryConnector
from peripherals.printer.errors import PrinterBadReply, PrinterNotAnswering, UnsupportedOperation
from peripherals.printer.layout import (PAPER_DOTS, Cut, DOTS_PER_COLUMN, Element, Feed, QrCode, Row, Rule, Text,
                                        row_parts, text_columns, wrap)
from peripherals.printer.realtime import STATUS_FUNCTIONS, PrinterState, parse_status_bytes, valid_status_byte

logger = logging.getLogger(__name__)

ESC, GS, FS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04", b"\n"

INITIALIZE = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
BOLD = {False: ESC + b"E\x00", True: ESC + b"E\x01"}
# GS ! scales every character, Chinese included (ESC ! does not scale Chinese on most printers).
SIZE = {False: GS + b"!\x00", True: GS + b"!\x11"}
# GS V 66 n: feed to the cutter plus n more dots, then partial cut: no blank stretch lost before the next receipt.
CUT = GS + b"VB\x00"
HT = b"\t"
TAB_COST = 5  # ESC D n NUL + HT: a gap of more blank columns than this is cheaper as a tab
LINE_DOTS = 30  # the default line spacing (ESC 2), in dots: what one fed line leaves blank
QUIET_MODULES = 4  # ISO/IEC 18004 quiet zone
QR_MAX_BYTES = 2331  # byte-mode capacity of a version 40 symbol at error correction level M
_NO_CONTROLS = {c: " " for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}


class ReceiptCommands(Escpos):
    """Builds ESC/POS for receipt elements and reads real-time status, writing through one connector."""

    def __init__(self, connector: Connector, *, paper_width_mm: int = 80, native_qr: bool = True,
                 chinese_mode_command: bool = True):
        Escpos.__init__(self, profile=None)
        self.connector = connector
        self.paper_dots = PAPER_DOTS[paper_width_mm]
        self.columns = self.paper_dots // DOTS_PER_COLUMN
        self.native_qr = native_qr
        self.chinese_mode_command = chinese_mode_command
        self._chinese_mode = False
        self._align = "left"
        self._device = connector  # escpos's self-opening `device` property must never open anything else

    # -- connector plumbing (escpos's raw-write / read hooks) ------------------------------------------------
    def _raw(self, msg: bytes) -> None:
        self.connector.write(bytes(msg))

    def _read(self) -> bytes:
        return self.connector.read(1)

    def open(self) -> None:
        self.connector.open()

    def close(self) -> None:
        # Escpos.__del__ calls close(); a half-built object may not have a connector yet.
        connector = self.__dict__.get("connector")
        if connector is not None:
            connector.close()

    # -- one method per command ------------------------------------------------------------------------------
    def initialize(self) -> None:
        """ESC @: clear the buffer and reset modes; the printer may also leave Chinese mode."""
        self._raw(INITIALIZE)
        self._chinese_mode = False
        self._align = "left"

    def align(self, where: str) -> None:
        """ESC a n: justification; applies to text and to native QR codes and raster images alike."""
        self._raw(ALIGN[where])
        self._align = where

    def _align_to(self, where: str) -> None:
        if where != self._align:
            self.align(where)

    def bold(self, on: bool) -> None:
        """ESC E n."""
        self._raw(BOLD[bool(on)])

    def double_size(self, on: bool) -> None:
        """GS ! n: 0x11 doubles width and height of every character, 0x00 is normal."""
        self._raw(SIZE[bool(on)])

    def line(self, text: str = "") -> None:
        """One line of text and LF. ASCII goes as is; anything else as GB18030 in Chinese mode."""
        self._raw(self._encode(text) + LF)

    def tab_line(self, text: str, column: int, right: str) -> None:
        """text, then `right` starting at `column` (ESC D column NUL, HT), then LF: a row without padding spaces."""
        if not 1 <= column <= 255:
            raise ValueError("tab_line: column 1..255")
        left, right = self._encode(text), self._encode(right)
        self._raw(left + ESC + b"D" + bytes([column]) + b"\x00" + HT + right + LF)

    def _encode(self, text: str) -> bytes:
        """The bytes of a piece of text; enters Chinese mode first if it needs to."""
        # Text is never a command: a control byte from data (ESC, GS, DLE...) would be obeyed by the printer.
        text = text.translate(_NO_CONTROLS)
        if text.isascii():
            return text.encode("ascii")
        # GB18030 covers all of Unicode; only a lone surrogate fails (UnicodeEncodeError, a ValueError).
        encoded = text.encode("gb18030")
        if self.chinese_mode_command and not self._chinese_mode:
            self._raw(CHINESE_ON)
            self._chinese_mode = True
        return encoded

    def leave_chinese_mode(self) -> None:
        """FS .: back to single-byte code pages (only needed before code-page text)."""
        self._raw(CHINESE_OFF)
        self._chinese_mode = False

    def feed(self, lines: int = 1) -> None:
        """ESC d n: print and feed n lines."""
        if not 0 <= lines <= 255:
            raise ValueError("feed: 0..255 lines")
        self._raw(ESC + b"d" + bytes([lines]))

    def cut_paper(self) -> None:
        """GS V 66 0: feed to the cutting position and cut."""
        self._raw(CUT)

    def qr_code(self, data: str, size: int = 6, native: bool | None = None) -> None:
        """A centred QR code (model 2, level M), native GS ( k or a raster image, with its quiet zone all round.

        size is the module size in dots; it is reduced if the symbol and its side quiet zones would not fit the
        paper (a ValueError if not even 2 dots fit)."""
        if not data:
            raise ValueError("qr_code: empty content")
        if len(data.encode("utf-8")) > QR_MAX_BYTES:
            raise ValueError(f"qr_code: more than {QR_MAX_BYTES} bytes do not fit a level M symbol")
        native = self.native_qr if native is None else native
        code = qr_symbol(data)
        span = code.modules_count + 2 * QUIET_MODULES
        size = min(size, self.paper_dots // span)
        if size < 2:
            raise ValueError(f"qr_code: a {code.modules_count}-module symbol does not fit {self.paper_dots} dots")
        quiet_lines = -(-QUIET_MODULES * size // LINE_DOTS)
        self._align_to("center")
        self.feed(quiet_lines)
        if native:
            self.qr(data, ec=QR_ECLEVEL_M, size=size, native=True)
        else:
            code.box_size, code.border = size, 0
            self.raster_image(code.make_image().get_image().convert("1"))
        self.feed(quiet_lines)

    def raster_image(self, image) -> None:
        """GS v 0: a 1-bit raster image (python-escpos's bitImageRaster, without its stdout warnings)."""
        im = EscposImage(image)
        if im.width > self.paper_dots:
            raise ValueError(f"image {im.width} dots wide, paper takes {self.paper_dots}")
        self._raw(GS + b"v0\x00" + self._int_low_high(im.width_bytes, 2) + self._int_low_high(im.height, 2)
                  + im.to_raster_format())

    # -- documents -------------------------------------------------------------------------------------------
    def print_elements(self, elements: list[Element] | tuple[Element, ...]) -> None:
        for element in elements:
            if isinstance(element, Text):
                self._align_to(element.align)
                if element.bold:
                    self.bold(True)
                if element.double:
                    self.double_size(True)
                columns = self.columns // 2 if element.double else self.columns
                for piece in wrap(element.text, columns, element.indent):
                    self.line(piece)
                if element.double:
                    self.double_size(False)
                if element.bold:
                    self.bold(False)
            elif isinstance(element, Row):
                self._align_to("left")
                if element.bold:
                    self.bold(True)
                for text, gap, right in row_parts(element.left, element.right, self.columns):
                    if gap > TAB_COST:
                        self.tab_line(text, text_columns(text) + gap, right)
                    else:
                        self.line(text + " " * gap + right)
                if element.bold:
                    self.bold(False)
            elif isinstance(element, Rule):
                self._align_to("left")
                self.line(element.char * (self.columns // max(1, text_columns(element.char))))
            elif isinstance(element, QrCode):
                self.qr_code(element.data, element.size)
            elif isinstance(element, Feed):
                self.feed(element.lines)
            elif isinstance(element, Cut):
                self.cut_paper()
            else:
                raise TypeError(f"not a receipt element: {type(element).__name__}")

    # -- real-time status ------------------------------------------------------------------------------------
    def query_status_byte(self, function: int) -> int:
        """DLE EOT n; one status byte back. Raises PrinterNotAnswering or PrinterBadReply."""
        self._raw(DLE + EOT + bytes([function]))
        reply = self.connector.read(1)
        if not reply:
            raise PrinterNotAnswering(f"no reply to DLE EOT {function}")
        if not valid_status_byte(reply[0]):
            raise PrinterBadReply(f"DLE EOT {function} answered {reply.hex()}, not a status byte")
        return reply[0]

    def read_state(self) -> PrinterState:
        """Asks DLE EOT 1 (printer), 2 (offline cause), 3 (error cause), 4 (roll paper sensor)."""
        if not self.connector.readable:
            raise UnsupportedOperation(f"{self.connector!r} is write-only: it cannot report status")
        self.connector.discard_input()
        replies = {n: self.query_status_byte(n) for n in STATUS_FUNCTIONS}
        return parse_status_bytes(replies)


def qr_symbol(data: str) -> qrcode.QRCode:
    """The smallest level M symbol holding `data` (the version a printer's GS ( k picks too)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_image(data: str, size: int = 6):
    """The QR code as a 1-bit image with the 4-module quiet zone of ISO/IEC 18004 (for previews and screens)."""
    code = qr_symbol(data)
    code.box_size, code.border = size, QUIET_MODULES
    return code.make_image().get_image().convert("1")


def build_job(elements, *, paper_width_mm: int = 80, native_qr: bool = True, chinese_mode_command: bool = True,
              initialize: bool = True) -> bytes:
    """The bytes of a whole print job, built in memory so it goes to the printer in one write."""
    memory = MemoryConnector()
    commands = ReceiptCommands(memory, paper_width_mm=paper_width_mm, native_qr=native_qr,
                               chinese_mode_command=chinese_mode_command)
    if initialize:
        commands.initialize()
    commands.print_elements(elements)
    return bytes(memory.buffer)
