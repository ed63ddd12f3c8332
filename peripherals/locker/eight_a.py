"""Generic "8A" lock boards: 5-byte frames `HEAD BOARD LOCK FUNC BCC` at 9600 baud, BCC = XOR of the first four.

Open `8A b l 11`, query one `80 b l 33`, query all `80 b 00 33` (7-byte bitmap reply `80 b D17-24 D9-16 D1-8 33 BCC`,
as observed on 24-lock boards). Boards may push `82 b l state BCC` reports on their own (the state byte as in a
query-one reply); the parser resynchronises on them and on any noise. These boards report no item sensors.
"""
from __future__ import annotations

import logging
from functools import reduce

from peripherals.locker.errors import AddressError, FrameError
from peripherals.locker.model import Frame, LockState
from peripherals.locker.protocol import BoardProtocol, StreamParser

logger = logging.getLogger(__name__)

HEAD_OPEN = 0x8A
HEAD_QUERY = 0x80
HEAD_REPORT = 0x82
FUNC_OPEN = 0x11
FUNC_QUERY = 0x33
STATE_LOW = 0x00  # "open" on standard boards
STATE_HIGH = 0x11  # "closed" on standard boards (and "open failed" in an open reply)
MAX_LOCKS = 24  # three bitmap bytes
FRAME_LEN = 5
BITMAP_LEN = 7


def bcc(data: bytes | bytearray) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def build(head: int, board: int, lock: int, func: int) -> bytes:
    body = bytes([head, board & 0xFF, lock & 0xFF, func & 0xFF])
    return body + bytes([bcc(body)])


def bitmap_reply(board: int, bits: int) -> bytes:
    """The 7-byte query-all reply; bit n-1 of `bits` is lock n."""
    body = bytes([HEAD_QUERY, board, (bits >> 16) & 0xFF, (bits >> 8) & 0xFF, bits & 0xFF, FUNC_QUERY])
    return body + bytes([bcc(body)])


def state_bit(value: int) -> int:
    if value == STATE_HIGH:
        return 1
    if value == STATE_LOW:
        return 0
    raise FrameError(f"8A state byte {value:02X} is neither 00 nor 11")


def _valid(raw: bytes) -> bool:
    return raw[-1] == bcc(raw[:-1])


class EightAParser(StreamParser):
    """Board-to-host stream. `expect_bitmap` says a query-all reply (7 bytes) is awaited, which decides the one
    ambiguous case: an `80` frame whose first five bytes also check out as a query-one reply."""

    def __init__(self, expect_bitmap: bool = True):
        super().__init__()
        self.expect_bitmap = expect_bitmap

    def _take(self, buffer):
        head = buffer[0]
        if head not in (HEAD_OPEN, HEAD_QUERY, HEAD_REPORT):
            return 1, None
        if head == HEAD_QUERY:
            if len(buffer) >= BITMAP_LEN:
                raw = bytes(buffer[:BITMAP_LEN])
                if raw[5] == FUNC_QUERY and _valid(raw):
                    return BITMAP_LEN, Frame("status", board=raw[1], data=raw[2:5], raw=raw)
            if len(buffer) < FRAME_LEN:
                return None
            short = bytes(buffer[:FRAME_LEN])
            if _valid(short) and short[2] != 0 and short[3] in (STATE_LOW, STATE_HIGH):
                if self.expect_bitmap and len(buffer) < BITMAP_LEN:
                    return None  # could still become a bitmap reply
                return FRAME_LEN, Frame("lock_state", board=short[1], lock=short[2], data=short[3:4], raw=short)
            if len(buffer) < BITMAP_LEN and self.expect_bitmap:
                return None
            return 1, None
        if len(buffer) < FRAME_LEN:
            return None
        raw = bytes(buffer[:FRAME_LEN])
        if not _valid(raw) or raw[3] not in (STATE_LOW, STATE_HIGH):
            return 1, None
        kind = "open_reply" if head == HEAD_OPEN else "report"
        return FRAME_LEN, Frame(kind, board=raw[1], lock=raw[2], data=raw[3:4], raw=raw)


def parse_request(raw: bytes) -> tuple[int, int, int, int]:
    """Check one host-to-board frame (simulator side): returns (head, board, lock, func) or raises FrameError."""
    if len(raw) != FRAME_LEN or raw[0] not in (HEAD_OPEN, HEAD_QUERY):
        raise FrameError("8A request must be 5 bytes starting 8A or 80")
    if not _valid(raw):
        raise FrameError("8A BCC wrong")
    return raw[0], raw[1], raw[2], raw[3]


class EightAProtocol(BoardProtocol):
    family = "8a"
    default_baud = 9600
    locks_per_board = MAX_LOCKS
    has_item_sensors = False

    def check_address(self, board, lock=None):
        if not 1 <= board <= 0xFF:
            raise AddressError(f"8A board {board} out of range 1..255")
        # Lock 0 means "every lock" on these boards: it must never come out of a single-door open.
        if lock is not None and not 1 <= lock <= min(self.locks_per_board, MAX_LOCKS):
            raise AddressError(f"8A lock {lock} out of range 1..{min(self.locks_per_board, MAX_LOCKS)}")

    def new_parser(self, expect_bitmap=True):
        return EightAParser(expect_bitmap)

    def status_request(self, board):
        self.check_address(board)
        return build(HEAD_QUERY, board, 0, FUNC_QUERY)

    def open_request(self, board, lock):
        self.check_address(board, lock)
        return build(HEAD_OPEN, board, lock, FUNC_OPEN)

    def status_reply_matches(self, frame, board):
        return frame.kind == "status" and frame.board == board

    def decode_status(self, frame):
        if len(frame.data) != 3:
            raise FrameError("8A bitmap needs 3 bytes")
        bits = (frame.data[0] << 16) | (frame.data[1] << 8) | frame.data[2]
        return tuple(LockState(frame.board, n, door_closed=self.polarity.closed((bits >> (n - 1)) & 1),
                               item_present=None)
                     for n in range(1, self.locks_per_board + 1))

    def open_reply_matches(self, frame, board, lock):
        return frame.kind == "open_reply" and frame.board == board and frame.lock == lock

    def open_reply_says_open(self, frame, lock):
        return not self.polarity.closed(state_bit(frame.data[0]))

    def report_closed(self, frame: Frame) -> bool:
        return self.polarity.closed(state_bit(frame.data[0]))
