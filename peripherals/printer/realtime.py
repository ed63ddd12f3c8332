"""Real-time status (DLE EOT n) of an ESC/POS printer: the bits, their meaning, and the device status they map to.

Every reply byte has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is not a status byte (wrong baud,
wrong device, line noise). n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from peripherals.status import DeviceStatus

logger = logging.getLogger(__name__)

STATUS_FUNCTIONS = (1, 2, 3, 4)
FIXED_MASK, FIXED_BITS = 0x93, 0x12

# n = 1
OFFLINE_BIT = 0x08
# n = 2
COVER_OPEN_BIT = 0x04
FEED_BUTTON_BIT = 0x08
PAPER_END_STOP_BIT = 0x20
ERROR_BIT = 0x40
# n = 3
CUTTER_ERROR_BIT = 0x08
UNRECOVERABLE_BIT = 0x20
AUTO_RECOVERABLE_BIT = 0x40
# n = 4
NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60


def valid_status_byte(value: int) -> bool:
    return (value & FIXED_MASK) == FIXED_BITS


@dataclass(frozen=True)
class PrinterState:
    offline: bool = False
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    cutter_error: bool = False
    unrecoverable_error: bool = False
    auto_recoverable_error: bool = False

    def device_status(self) -> tuple[DeviceStatus, str]:
        """The common device status and a short machine-readable reason."""
        if self.paper_out:
            return DeviceStatus.MEDIA_OUT, "paper_out"
        if self.cover_open:
            # Not USER_ERROR: the core counts that as usable because it clears itself, but a kiosk's printer cover
            # sits behind a locked panel; only staff can close it, and nothing prints until they do.
            return DeviceStatus.HARDWARE_ERROR, "cover_open"
        if self.cutter_error:
            return DeviceStatus.JAMMED, "cutter_error"
        if self.unrecoverable_error:
            return DeviceStatus.HARDWARE_ERROR, "unrecoverable_error"
        if self.auto_recoverable_error:
            return DeviceStatus.BUSY, "auto_recoverable_error"
        if self.offline:
            return DeviceStatus.OFFLINE, "offline"
        if self.paper_near_end:
            return DeviceStatus.MEDIA_LOW, "paper_near_end"
        return DeviceStatus.ONLINE, ""

    def as_dict(self) -> dict:
        status, reason = self.device_status()
        return {"status": status.value, "reason": reason,
                "paper": "out" if self.paper_out else "near_end" if self.paper_near_end else "ok",
                "cover_open": self.cover_open, "offline": self.offline, "cutter_error": self.cutter_error,
                "unrecoverable_error": self.unrecoverable_error,
                "auto_recoverable_error": self.auto_recoverable_error}


def parse_status_bytes(replies: dict[int, int]) -> PrinterState:
    """replies: DLE EOT function -> reply byte (all four functions)."""
    for n, value in replies.items():
        if not valid_status_byte(value):
            raise ValueError(f"DLE EOT {n} reply {value:#04x} is not a status byte")
    printer, offline, error, paper = (replies[n] for n in STATUS_FUNCTIONS)
    return PrinterState(
        offline=bool(printer & OFFLINE_BIT),
        cover_open=bool(offline & COVER_OPEN_BIT),
        paper_near_end=bool(paper & NEAR_END_BITS),
        paper_out=bool(paper & PAPER_END_BITS) or bool(offline & PAPER_END_STOP_BIT),
        cutter_error=bool(error & CUTTER_ERROR_BIT),
        unrecoverable_error=bool(error & UNRECOVERABLE_BIT),
        auto_recoverable_error=bool(error & AUTO_RECOVERABLE_BIT),
    )


def status_bytes(state: PrinterState) -> dict[int, int]:
    """The replies a printer in `state` gives (the simulator answers with these)."""
    offline = state.offline or state.cover_open or state.paper_out or state.cutter_error or state.unrecoverable_error
    any_error = state.cutter_error or state.unrecoverable_error or state.auto_recoverable_error
    return {
        1: FIXED_BITS | (OFFLINE_BIT if offline else 0),
        2: FIXED_BITS | (COVER_OPEN_BIT if state.cover_open else 0) | (PAPER_END_STOP_BIT if state.paper_out else 0)
           | (ERROR_BIT if any_error else 0),
        3: FIXED_BITS | (CUTTER_ERROR_BIT if state.cutter_error else 0)
           | (UNRECOVERABLE_BIT if state.unrecoverable_error else 0)
           | (AUTO_RECOVERABLE_BIT if state.auto_recoverable_error else 0),
        4: FIXED_BITS | (NEAR_END_BITS if state.paper_near_end or state.paper_out else 0)
           | (PAPER_END_BITS if state.paper_out else 0),
    }
