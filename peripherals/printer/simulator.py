"""A thermal receipt printer on a pty: records what it is sent, answers DLE EOT, runs out of paper, jams on command.

It consumes bytes at the line rate (so a driver's write blocks as on a real UART once the pty buffer is full) and
answers each status query after everything sent before it, as a printer working through its input does.
"""
from __future__ import annotations

import logging
import threading
import time

from peripherals.printer.protocol import Command, EscposParser, TextRun
from peripherals.printer.realtime import PrinterState, status_bytes
from peripherals.simbase import PtySimulator, wire_time

logger = logging.getLogger(__name__)

LINE_DOTS = 30  # default line spacing of an ESC/POS printer, in dots


class ReceiptPrinterSimulator(PtySimulator):
    """paper_lines: how many text lines of paper are left (None: endless); near_end_lines: when the sensor trips."""

    def __init__(self, baud: int | None = 115200, link=None, *, paper_lines: int | None = None,
                 near_end_lines: int = 40, pace_input: bool = True):
        super().__init__(baud=baud, link=link)
        self.paper_lines = paper_lines
        self.near_end_lines = near_end_lines
        self.pace_input = pace_input
        self.cover_open = False
        self.cutter_jammed = False
        self.garbage_status = False  # fault: answer status queries with a byte that is not a status byte
        self.received = bytearray()  # everything, status queries included
        self.printed = bytearray()   # what reached the paper (no real-time queries, nothing sent while unable)
        self.discarded = 0           # bytes lost while the printer could not print
        self.receipts: list[bytes] = []
        self.status_queries = 0
        self._current = bytearray()
        self._parser = EscposParser()
        self._cond = threading.Condition()
        self.on_receipt = None  # called with the bytes of each receipt, after its cut, off the simulator's lock

    # -- fault injection --------------------------------------------------------------------------------------
    def load_paper(self, lines: int | None = None) -> None:
        with self._cond:
            self.paper_lines = lines

    def run_out_of_paper(self) -> None:
        with self._cond:
            self.paper_lines = 0

    def state(self) -> PrinterState:
        with self._cond:
            return self._state()

    def _state(self) -> PrinterState:
        lines = self.paper_lines
        return PrinterState(
            offline=self.cover_open or lines == 0 or self.cutter_jammed,
            cover_open=self.cover_open,
            paper_out=lines is not None and lines <= 0,
            paper_near_end=lines is not None and lines <= self.near_end_lines,
            cutter_error=self.cutter_jammed,
        )

    def _can_print(self) -> bool:
        return not (self.cover_open or self.cutter_jammed or (self.paper_lines is not None and self.paper_lines <= 0))

    def unplug(self) -> None:
        """Power gone: whatever was half-received is lost with the printer's buffer."""
        super().unplug()
        with self._cond:
            self._parser = EscposParser()
            self._current.clear()

    # -- waiting helpers for tests and the demo ---------------------------------------------------------------
    def wait_for_receipts(self, count: int, timeout_s: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while len(self.receipts) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def clear(self) -> None:
        with self._cond:
            self.received.clear()
            self.printed.clear()
            self.receipts.clear()
            self._current.clear()
            self.discarded = 0

    # -- the printer ------------------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.pace_input and self.baud:
            time.sleep(wire_time(len(data), self.baud))
        replies = bytearray()
        with self._cond:
            before = len(self.receipts)
            self.received += data
            for token in self._parser.feed(data):
                reply = self._handle(token)
                if reply is not None:
                    replies.append(reply)
            finished = self.receipts[before:]
            self._cond.notify_all()
        if replies:
            self.write(bytes(replies))
        callback = self.on_receipt
        for receipt in finished if callback else ():
            try:
                callback(receipt)
            except Exception:
                logger.exception("receipt callback failed")

    def _handle(self, token) -> int | None:
        if isinstance(token, Command) and token.name == "DLE 0x04":
            self.status_queries += 1
            n = token.params[0] if token.params else 0
            if self.garbage_status:
                return 0xFF
            return status_bytes(self._state()).get(n)
        if isinstance(token, Command) and token.name.startswith("DLE"):
            return None
        raw = _raw(token)
        if not self._can_print():
            self.discarded += len(raw)
            return None
        self.printed += raw
        self._current += raw
        self._consume_paper(token)
        if isinstance(token, Command) and token.name == "GS V":
            self.receipts.append(bytes(self._current))
            self._current.clear()
        return None

    def _consume_paper(self, token) -> None:
        if self.paper_lines is None:
            return
        used = 0
        if isinstance(token, Command):
            if token.name == "LF":
                used = 1
            elif token.name == "ESC d" and token.params:
                used = token.params[0]
            elif token.name == "GS v 0" and len(token.params) == 6:
                used = max(1, (token.params[4] | token.params[5] << 8) // LINE_DOTS)
            elif token.name == "GS ( k" and token.payload[:2] == b"1Q":
                used = 8  # a printed QR code is about eight lines tall
        self.paper_lines = max(0, self.paper_lines - used)



def _raw(token) -> bytes:
    return token.data if isinstance(token, TextRun) else token.raw
