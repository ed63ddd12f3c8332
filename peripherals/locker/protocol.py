"""What a board family must provide to the shared controller: request bytes, a stream parser and reply decoding."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass

from peripherals.locker.model import Frame, LockState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Polarity:
    """Which bit value means "closed" (lock hook latched) and "item present"; differs between board revisions."""

    hook_closed_bit: int = 1
    item_present_bit: int = 1

    def __post_init__(self):
        if self.hook_closed_bit not in (0, 1) or self.item_present_bit not in (0, 1):
            raise ValueError("polarity bits are 0 or 1")

    def closed(self, bit: int) -> bool:
        return bit == self.hook_closed_bit

    def present(self, bit: int) -> bool:
        return bit == self.item_present_bit


class StreamParser(ABC):
    """Fed any bytes in any chunks; returns every complete, checked frame and drops the rest.

    Never raises on input and never holds more than one frame's worth of bytes, so noise, a half frame after a
    reopen, or a board's unsolicited report cannot wedge it.
    """

    MAX_BUFFER = 64

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped = 0  # bytes skipped while resynchronising (a health figure, not an error)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer.extend(data)
        frames: list[Frame] = []
        while self._buffer:
            result = self._take(self._buffer)
            if result is None:  # a plausible frame start with too few bytes: wait for more
                break
            consumed, frame = result
            if frame is None:
                self.dropped += consumed
            else:
                frames.append(frame)
            del self._buffer[:consumed]
        if len(self._buffer) > self.MAX_BUFFER:  # cannot happen with the families' short frames; a guard all the same
            self.dropped += len(self._buffer)
            self._buffer.clear()
        return frames

    def reset(self) -> None:
        self.dropped += len(self._buffer)
        self._buffer.clear()

    @abstractmethod
    def _take(self, buffer: bytearray) -> tuple[int, Frame | None] | None:
        """Look at the buffer's start: (bytes consumed, frame or None for dropped noise), or None to wait."""


class BoardProtocol(ABC):
    """One board family's wire format. The controller does the I/O, retries and verification for every family."""

    family: str
    default_baud: int
    locks_per_board: int
    has_item_sensors: bool
    # True when the board answers an unlock with a full sensor status frame (so the reply itself is a reading).
    open_reply_is_sensor_status: bool = False

    def __init__(self, polarity: Polarity | None = None, locks_per_board: int | None = None):
        self.polarity = polarity or Polarity()
        if locks_per_board is not None:
            self.locks_per_board = locks_per_board

    @abstractmethod
    def check_address(self, board: int, lock: int | None = None) -> None:
        """Raise AddressError for a board or lock number this family cannot address (lock None: board only)."""

    @abstractmethod
    def new_parser(self, expect_bitmap: bool = True) -> StreamParser: ...

    @abstractmethod
    def status_request(self, board: int) -> bytes: ...

    @abstractmethod
    def open_request(self, board: int, lock: int) -> bytes: ...

    @abstractmethod
    def status_reply_matches(self, frame: Frame, board: int) -> bool: ...

    @abstractmethod
    def decode_status(self, frame: Frame) -> tuple[LockState, ...]: ...

    @abstractmethod
    def open_reply_matches(self, frame: Frame, board: int, lock: int) -> bool: ...

    @abstractmethod
    def open_reply_says_open(self, frame: Frame, lock: int) -> bool:
        """What the board claims about the lock after an open; a claim only, the sensors decide."""
