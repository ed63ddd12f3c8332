"""Serial-mode framing: split the byte stream into codes on CR, LF or CRLF, or after an idle gap; decode the text."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

MAX_CODE_BYTES = 8192  # far beyond any QR code (2953 bytes at most); longer runs are line noise
ENCODINGS = ("utf-8", "gb18030", "auto")


def decode_code(raw: bytes, encoding: str = "auto") -> str | None:
    """Text of a code, or None when it does not decode. "auto": UTF-8 if it is valid UTF-8, else GB18030."""
    candidates = ("utf-8", "gb18030") if encoding == "auto" else (encoding,)
    for name in candidates:
        try:
            text = raw.decode(name)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        return text
    return None


# Once a scanner has ended a code with a suffix, it is configured to send one: a pause inside a code (a busy host,
# a slow USB bridge) must not cut it in two. A partial code still ends after this long a silence.
SUFFIXED_STALE_S = 2.0


class CodeFramer:
    """Fed bytes with the time they arrived; returns finished codes. Call flush_idle() when the line is quiet.

    Codes end at CR, LF or CRLF; a scanner that sends no suffix is framed by the idle gap instead, until it shows
    that it does send one.
    """

    def __init__(self, idle_gap_s: float = 0.08, encoding: str = "auto"):
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
        self.idle_gap_s = idle_gap_s
        self.encoding = encoding
        self._buf = bytearray()
        self._last_rx = 0.0
        self.suffixed = False  # this scanner ends its codes with CR/LF: the idle gap no longer frames them
        self.undecodable = 0
        self.overlong = 0

    @property
    def pending(self) -> bool:
        return bool(self._buf)

    def feed(self, data: bytes, now: float) -> list[str]:
        codes: list[str] = []
        if self._buf and now - self._last_rx >= self._gap():
            codes += self._finish()  # the previous code had no suffix and its gap passed unnoticed
        for byte in data:
            if byte in (0x0D, 0x0A):
                if self._buf:
                    self.suffixed = True
                codes += self._finish()
            else:
                self._buf.append(byte)
                if len(self._buf) > MAX_CODE_BYTES:
                    self.overlong += 1
                    self._buf.clear()
        if data:
            self._last_rx = now
        return codes

    def flush_idle(self, now: float) -> list[str]:
        """End a code that came without a suffix once the line has been quiet for idle_gap_s."""
        if self._buf and now - self._last_rx >= self._gap():
            return self._finish()
        return []

    def _gap(self) -> float:
        return max(self.idle_gap_s, SUFFIXED_STALE_S) if self.suffixed else self.idle_gap_s

    def _finish(self) -> list[str]:
        raw = bytes(self._buf)
        self._buf.clear()
        if not raw:
            return []  # the LF of a CRLF, or a blank line
        text = decode_code(raw, self.encoding)
        if text is None:
            self.undecodable += 1
            return []
        return [text]
