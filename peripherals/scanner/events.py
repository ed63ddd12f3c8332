"""Events the scanners emit (besides peripherals.status.StatusChanged): the same for serial and keyboard-wedge mode."""
from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeScanned:
    """One code read by the scanner, decoded to text, suffix removed."""

    code: str
    device: str = "scanner"
    source: str = "serial"  # "serial" or "evdev"

    def __repr__(self) -> str:  # a pickup code is a credential: never print it whole
        return f"CodeScanned(code=<{len(self.code)} chars>, device={self.device!r}, source={self.source!r})"
