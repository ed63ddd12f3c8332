"""An incremental ESC/POS stream parser: bytes in, text runs and commands out (used by the simulator and renderer).

Fed in chunks of any size, like pyserial's Packetizer: an incomplete command waits for the rest. Commands are known
by their shape (fixed parameters, or a length inside the command); an unknown ESC/GS/FS command is taken as its
two bytes so one odd command never derails the rest of a receipt. Text runs never contain a control byte; GB18030
multi-byte characters never do either (their bytes are all >= 0x30), so a run can be split safely.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

logger = logging.getLogger(__name__)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
# Control bytes that are whole commands on their own.
SINGLE = {0x0A: "LF", 0x0D: "CR", 0x09: "HT", 0x0C: "FF", 0x18: "CAN", 0x07: "BEL"}

# Commands with a fixed number of parameter bytes after the 2-byte (prefix, letter) head.
FIXED = {
    (ESC, ord("@")): 0, (ESC, ord("a")): 1, (ESC, ord("E")): 1, (ESC, ord("!")): 1, (ESC, ord("-")): 1,
    (ESC, ord("M")): 1, (ESC, ord("t")): 1, (ESC, ord("d")): 1, (ESC, ord("J")): 1, (ESC, ord("2")): 0,
    (ESC, ord("3")): 1, (ESC, ord("G")): 1, (ESC, ord("V")): 1, (ESC, ord("{")): 1, (ESC, ord("R")): 1,
    (ESC, ord(" ")): 1, (ESC, ord("p")): 3, (ESC, ord("=")): 1, (ESC, ord("$")): 2, (ESC, ord("\\")): 2,
    (ESC, ord("i")): 0, (ESC, ord("m")): 0, (ESC, ord("+")): 1, (ESC, ord("A")): 1, (ESC, ord("c")): 2,
    (ESC, ord("r")): 1, (ESC, ord("U")): 1, (ESC, ord("S")): 0, (ESC, ord("L")): 0, (ESC, ord("T")): 1,
    (GS, ord("!")): 1, (GS, ord("B")): 1, (GS, ord("r")): 1, (GS, ord("a")): 1, (GS, ord("H")): 1,
    (GS, ord("h")): 1, (GS, ord("w")): 1, (GS, ord("f")): 1, (GS, ord("b")): 1, (GS, ord("L")): 2,
    (GS, ord("W")): 2, (GS, ord("P")): 2, (GS, ord("I")): 1, (GS, ord("/")): 1,
    (FS, ord("&")): 0, (FS, ord(".")): 0, (FS, ord("!")): 1, (FS, ord("-")): 1, (FS, ord("C")): 1,
    (FS, ord("W")): 1, (FS, ord("S")): 2, (FS, ord("p")): 2,
    (DLE, 0x04): 1, (DLE, 0x05): 1, (DLE, 0x14): 3,
}

NAMES = {ESC: "ESC", GS: "GS", FS: "FS", DLE: "DLE"}


@dataclass(frozen=True)
class TextRun:
    data: bytes


@dataclass(frozen=True)
class Command:
    """name like "ESC a" or "GS ( k"; params: the fixed parameter bytes; payload: the variable data, if any."""

    name: str
    params: bytes = b""
    payload: bytes = b""
    raw: bytes = field(default=b"", compare=False, repr=False)  # the exact bytes the command came in


Token = TextRun | Command

MAX_TAB_STOPS = 32
MAX_PAYLOAD = 1 << 20  # a sanity bound: a command claiming more than 1 MiB is garbage, not a receipt


def _name(prefix: int, letter: int) -> str:
    ch = chr(letter)
    return f"{NAMES[prefix]} {ch if 0x21 <= letter < 0x7F else f'{letter:#04x}'}"


def merge_text(tokens: list[Token]) -> list[Token]:
    """Joins adjacent text runs (a run may arrive split across chunks)."""
    merged: list[Token] = []
    for token in tokens:
        if isinstance(token, TextRun) and merged and isinstance(merged[-1], TextRun):
            merged[-1] = TextRun(merged[-1].data + token.data)
        else:
            merged.append(token)
    return merged


class EscposParser:
    """feed(bytes) -> complete tokens; keeps an incomplete command until its remaining bytes arrive."""

    def __init__(self):
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Token]:
        self._buffer += data
        tokens: list[Token] = []
        pos = 0
        buf = self._buffer
        while pos < len(buf):
            consumed, token = self._next(buf, pos)
            if consumed == 0:
                break  # incomplete: wait for more bytes
            pos += consumed
            if isinstance(token, Command):
                token = replace(token, raw=bytes(buf[pos - consumed:pos]))
            if token is not None:
                tokens.append(token)
        del buf[:pos]
        return tokens

    def _next(self, buf: bytearray, pos: int) -> tuple[int, Token | None]:
        b = buf[pos]
        if b in SINGLE:
            return 1, Command(SINGLE[b])
        if b not in NAMES:
            end = pos
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            if end == pos:  # another C0 control byte: ignored by printers
                return 1, Command(f"CTL {b:#04x}")
            return end - pos, TextRun(bytes(buf[pos:end]))
        if pos + 1 >= len(buf):
            return 0, None
        prefix, letter = b, buf[pos + 1]
        key = (prefix, letter)
        name = _name(prefix, letter)
        if key in FIXED:
            n = FIXED[key]
            if pos + 2 + n > len(buf):
                return 0, None
            return 2 + n, Command(name, bytes(buf[pos + 2:pos + 2 + n]))
        if prefix == GS and letter == ord("("):
            # GS ( X pL pH data: pL + pH*256 bytes follow (GS ( k for 2D codes, GS ( L for graphics...)
            if pos + 5 > len(buf):
                return 0, None
            sub = buf[pos + 2]
            length = buf[pos + 3] | (buf[pos + 4] << 8)
            if pos + 5 + length > len(buf):
                return 0, None
            return 5 + length, Command(f"GS ( {chr(sub) if 0x21 <= sub < 0x7F else f'{sub:#04x}'}",
                                       bytes(buf[pos + 3:pos + 5]), bytes(buf[pos + 5:pos + 5 + length]))
        if prefix == GS and letter == ord("v"):
            # GS v 0 m xL xH yL yH, then (xL + xH*256) * (yL + yH*256) bytes of raster data
            if pos + 8 > len(buf):
                return 0, None
            width_bytes = buf[pos + 4] | (buf[pos + 5] << 8)
            height = buf[pos + 6] | (buf[pos + 7] << 8)
            size = width_bytes * height
            if size > MAX_PAYLOAD:
                return 8, Command("GS v 0", bytes(buf[pos + 2:pos + 8]))  # garbage header: skip it, keep going
            if pos + 8 + size > len(buf):
                return 0, None
            return 8 + size, Command("GS v 0", bytes(buf[pos + 2:pos + 8]), bytes(buf[pos + 8:pos + 8 + size]))
        if prefix == GS and letter == ord("V"):
            if pos + 3 > len(buf):
                return 0, None
            m = buf[pos + 2]
            if m in (65, 66, 97, 98, 103, 104):  # the forms with a feed amount n
                if pos + 4 > len(buf):
                    return 0, None
                return 4, Command("GS V", bytes(buf[pos + 2:pos + 4]))
            return 3, Command("GS V", bytes(buf[pos + 2:pos + 3]))
        if prefix == ESC and letter == ord("*"):
            # ESC * m nL nH, then n columns of 1 (8-dot modes) or 3 (24-dot modes) bytes
            if pos + 5 > len(buf):
                return 0, None
            m = buf[pos + 2]
            columns = buf[pos + 3] | (buf[pos + 4] << 8)
            size = columns * (3 if m in (32, 33) else 1)
            if pos + 5 + size > len(buf):
                return 0, None
            return 5 + size, Command("ESC *", bytes(buf[pos + 2:pos + 5]), bytes(buf[pos + 5:pos + 5 + size]))
        if prefix == ESC and letter == ord("D"):
            # ESC D n1 ... nk NUL: horizontal tab stops (at most 32); a printer takes no more than 32 of them.
            end = buf.find(0, pos + 2, pos + 3 + MAX_TAB_STOPS)
            if end >= 0:
                return end + 1 - pos, Command("ESC D", bytes(buf[pos + 2:end]))
            if len(buf) < pos + 3 + MAX_TAB_STOPS:
                return 0, None
            return 2 + MAX_TAB_STOPS, Command("ESC D", bytes(buf[pos + 2:pos + 2 + MAX_TAB_STOPS]))
        if prefix == GS and letter == ord("k"):
            # GS k m: m 0..6 data then NUL; m 65..73 n then n bytes
            if pos + 3 > len(buf):
                return 0, None
            m = buf[pos + 2]
            if m <= 6:
                end = buf.find(0, pos + 3)
                if end < 0:
                    return 0, None
                return end + 1 - pos, Command("GS k", bytes([m]), bytes(buf[pos + 3:end]))
            if pos + 4 > len(buf):
                return 0, None
            n = buf[pos + 3]
            if pos + 4 + n > len(buf):
                return 0, None
            return 4 + n, Command("GS k", bytes([m, n]), bytes(buf[pos + 4:pos + 4 + n]))
        return 2, Command(name)
