"""Request/reply over an open serial port: one command, its reply, and the find-select-read sequence with retries."""
from __future__ import annotations

import logging
import termios
import time

import serial

from peripherals.idcard import protocol as p
from peripherals.idcard.card import IdCard
from peripherals.idcard.errors import (CardDataError, ChecksumError, FrameError, IdCardError, ReaderStatusError,
                                       ReaderTimeout, ReaderUnavailable)
from peripherals.idcard.textblock import decode_text_block
from peripherals.simbase import wire_time
from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)

READ_REPLY_LEN = 7 + 3 + 4 + 256 + 1024 + 1  # 1295 bytes: the longest reply of a normal read
# After a corrupt frame, the line counts as quiet (the rest of the bad reply is in) after this long without a byte.
IDLE_GAP_S = 0.02


class CardGone(ReaderStatusError):
    """Find answered 80 in the middle of a read: the card was lifted."""

    def __init__(self):
        super().__init__(p.NO_CARD, "the card was lifted during the read", CompletionCode.NO_MEDIA)


class ReaderLink:
    """The protocol on one open port (anything serial_for_url returns). Not thread-safe: one caller at a time."""

    def __init__(self, port: serial.SerialBase, timeout_s: float = 1.0, baud: int | None = None):
        self.port = port
        self.timeout_s = timeout_s
        self.baud = baud or getattr(port, "baudrate", None) or 115200
        self.parser = p.FrameParser()
        self.bytes_sent = 0
        self.bytes_received = 0
        # Short reads keep latency low: a read returns as soon as bytes arrive, or after this slice.
        self.port.timeout = IDLE_GAP_S

    def transact(self, command: p.Command, expect_len: int = 16) -> p.Reply:
        """Send `command` and return the reader's reply, whatever its status byte.

        Raises ReaderTimeout (no whole frame in time), ChecksumError (only corrupt frames arrived, line now quiet)
        or ReaderUnavailable (the port failed).
        """
        frame = command.frame()
        self.parser.reset()
        corrupt_before = self.parser.corrupt_frames
        # timeout_s is the longest silence allowed (before the reply and inside it); a reply that keeps trickling
        # in (slow line, split reply) is waited for up to a hard cap, so a line full of noise never hangs the caller.
        started = time.monotonic()
        cap = started + 3 * self.timeout_s + 2 * wire_time(expect_len + len(frame), self.baud)
        try:
            self.port.reset_input_buffer()
            self.port.write(frame)
            self.bytes_sent += len(frame)
            last_rx = time.monotonic()
            while True:
                data = self.port.read(self.port.in_waiting or 1)
                now = time.monotonic()
                if data:
                    last_rx = now
                    self.bytes_received += len(data)
                    # A body under 3 bytes cannot be a reply (on loop:// it is our own command echoed back).
                    bodies = [b for b in self.parser.feed(data) if len(b) >= 3]
                    if bodies:
                        return p.Reply.from_body(bodies[-1])
                corrupt = self.parser.corrupt_frames > corrupt_before
                if corrupt and now - last_rx >= IDLE_GAP_S and not data:
                    raise ChecksumError("reply with a bad checksum or length")
                if now >= min(last_rx + self.timeout_s + wire_time(len(frame), self.baud), cap):
                    if corrupt:
                        raise ChecksumError("reply with a bad checksum or length")
                    raise ReaderTimeout(f"no reply to command {command.cmd:02X} {command.para:02X} "
                                        f"within {self.timeout_s:.2f} s")
        except (serial.SerialException, OSError, termios.error) as exc:
            raise ReaderUnavailable(f"port failed: {type(exc).__name__}") from None

    def command(self, command: p.Command, expect_len: int = 16) -> p.Reply:
        """transact(), raising ReaderStatusError unless the status byte is a success."""
        reply = self.transact(command, expect_len)
        if not reply.ok:
            raise ReaderStatusError(reply.sw3)
        return reply

    def find(self) -> bool:
        """True if a card is in the field (9F), False for 80; other statuses raise ReaderStatusError."""
        reply = self.transact(p.FIND_CARD, 15)
        if reply.sw3 == p.FIND_SUCCESS:
            return True
        if reply.sw3 == p.NO_CARD:
            return False
        raise ReaderStatusError(reply.sw3)

    def sam_status(self) -> None:
        self.command(p.SAM_STATUS, 11)

    def read_found_card(self) -> IdCard:
        """Select and read a card that find has just reported (one attempt, no retry)."""
        self.command(p.SELECT_CARD, 20)
        reply = self.command(p.READ_TEXT_PHOTO, READ_REPLY_LEN)
        text, photo, _ = p.split_text_photo(reply)
        return decode_text_block(text, photo)

    def read_card(self, attempts: int = 3, found: bool = False) -> IdCard:
        """find -> select -> read with retries on select/read failures, corrupt replies and bad card data.

        `found`: find has just answered 9F, so the first attempt starts with select. Raises CardGone when the card
        is lifted, ReaderUnavailable when the port fails, else the last error after `attempts` tries.
        """
        last: IdCardError | None = None
        for attempt in range(max(1, attempts)):
            try:
                if not (found and attempt == 0) and not self.find():
                    raise CardGone()
                return self.read_found_card()
            except (CardGone, ReaderUnavailable):
                raise
            except ReaderStatusError as exc:
                if exc.status not in p.RETRYABLE:
                    raise
                last = exc
            except (ChecksumError, ReaderTimeout, FrameError, CardDataError) as exc:
                last = exc
            logger.debug("card read attempt %d failed: %s", attempt + 1, type(last).__name__)
        assert last is not None
        raise last
