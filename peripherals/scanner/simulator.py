"""ScannerSimulator: a serial-mode QR scanner on a pty; scan() sends a code with the chosen suffix and encoding."""
from __future__ import annotations

import logging
from pathlib import Path

from peripherals.simbase import PtySimulator

logger = logging.getLogger(__name__)

SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "none": b""}


class ScannerSimulator(PtySimulator):
    """Scanners only talk; anything the host sends is ignored (real ones take vendor setup commands)."""

    def __init__(self, baud: int = 9600, link: str | Path | None = None, suffix: str = "cr",
                 encoding: str = "utf-8"):
        super().__init__(baud=baud, link=link)
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)}")
        self.suffix = suffix
        self.encoding = encoding

    def scan(self, code: str, suffix: str | None = None, encoding: str | None = None) -> bytes:
        """Send one code as the scanner would; returns the bytes sent."""
        suffix = self.suffix if suffix is None else suffix
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)}")
        data = code.encode(encoding or self.encoding) + SUFFIXES[suffix]
        self.write(data)
        return data

    def data_received(self, data: bytes) -> None:
        pass
