"""Kerong KR-CU16/CU12-style boards: `02 ADDR CMD [DATA] 03 SUM` at 19200 baud, ADDR = board << 4 | (lock - 1)."""
from __future__ import annotations

import logging

from peripherals.locker.errors import AddressError, FrameError
from peripherals.locker.model import Frame, LockState
from peripherals.locker.protocol import BoardProtocol, StreamParser

logger = logging.getLogger(__name__)

STX = 0x02
ETX = 0x03
CMD_STATUS = 0x30
CMD_UNLOCK = 0x31
CMD_BUS_SCAN = 0x32
CMD_UNLOCK_ALL = 0x33
CMD_STATUS_REPLY = 0x35
CMD_SET_PULSE = 0x37
CMD_DELAYED_UNLOCK = 0x39
BROADCAST = 0xF0
STATUS_REPLY_LEN = 9  # 02 ADDR 35 D1 D2 D3 D4 03 SUM
MAX_BOARD = 14  # board 15 would put 0xF_ into ADDR, which is the bus-scan broadcast
MAX_LOCKS = 16

# Host-to-board frame lengths by command, for the simulator's parser (data bytes counted).
REQUEST_LENGTHS = {CMD_STATUS: 5, CMD_UNLOCK: 5, CMD_BUS_SCAN: 5, CMD_UNLOCK_ALL: 5, CMD_SET_PULSE: 7,
                   CMD_DELAYED_UNLOCK: 6}


def checksum(data: bytes | bytearray) -> int:
    """Low byte of the sum of every byte given (STX and ETX included)."""
    return sum(data) & 0xFF


def address(board: int, lock: int) -> int:
    """The ADDR byte: the board's DIP-switch number in the high nibble, lock - 1 in the low one."""
    if not 0 <= board <= MAX_BOARD:
        raise AddressError(f"kerong board {board} out of range 0..{MAX_BOARD}")
    if not 1 <= lock <= MAX_LOCKS:
        raise AddressError(f"kerong lock {lock} out of range 1..{MAX_LOCKS}")
    return (board << 4) | (lock - 1)


def build(addr: int, cmd: int, data: bytes = b"") -> bytes:
    body = bytes([STX, addr & 0xFF, cmd & 0xFF]) + bytes(data) + bytes([ETX])
    return body + bytes([checksum(body)])


def status_reply(addr: int, d1: int, d2: int, d3: int, d4: int) -> bytes:
    """The 9-byte status frame a board sends (used by the simulator and by tests)."""
    return build(addr, CMD_STATUS_REPLY, bytes([d1 & 0xFF, d2 & 0xFF, d3 & 0xFF, d4 & 0xFF]))


class KerongParser(StreamParser):
    """Board-to-host stream: 9-byte status frames; anything else (noise, echoes, half frames) is skipped."""

    def _take(self, buffer):
        if buffer[0] != STX:
            return 1, None
        if len(buffer) >= 2 and buffer[1] == BROADCAST:
            return 1, None
        if len(buffer) >= 3 and buffer[2] != CMD_STATUS_REPLY:
            return 1, None
        if len(buffer) < STATUS_REPLY_LEN:
            return None
        raw = bytes(buffer[:STATUS_REPLY_LEN])
        if raw[7] != ETX or raw[8] != checksum(raw[:8]):
            return 1, None  # drop only the STX: a real frame may start inside these bytes
        addr = raw[1]
        return STATUS_REPLY_LEN, Frame("status", board=addr >> 4, lock=(addr & 0x0F) + 1, data=raw[3:7], raw=raw)


def parse_request(raw: bytes) -> tuple[int, int, bytes]:
    """Check one host-to-board frame (simulator side): returns (addr, cmd, data) or raises FrameError."""
    if len(raw) < 5 or raw[0] != STX:
        raise FrameError("kerong frame too short or no STX")
    expected = REQUEST_LENGTHS.get(raw[2])
    if expected is None:
        raise FrameError(f"kerong command {raw[2]:02X} unknown")
    if len(raw) != expected or raw[-2] != ETX:
        raise FrameError("kerong frame length or ETX wrong")
    if raw[-1] != checksum(raw[:-1]):
        raise FrameError("kerong checksum wrong")
    return raw[1], raw[2], bytes(raw[3:-2])


class KerongProtocol(BoardProtocol):
    family = "kerong"
    default_baud = 19200
    locks_per_board = 16
    has_item_sensors = True
    open_reply_is_sensor_status = True

    def check_address(self, board, lock=None):
        address(board, 1 if lock is None else lock)
        if lock is not None and lock > self.locks_per_board:
            raise AddressError(f"kerong lock {lock} out of range 1..{self.locks_per_board}")

    def new_parser(self, expect_bitmap=True):
        return KerongParser()

    def status_request(self, board):
        return build(address(board, 1), CMD_STATUS)

    def open_request(self, board, lock):
        self.check_address(board, lock)
        return build(address(board, lock), CMD_UNLOCK)

    def status_reply_matches(self, frame, board):
        return frame.kind == "status" and frame.board == board

    def decode_status(self, frame):
        if len(frame.data) != 4:
            raise FrameError("kerong status needs 4 data bytes")
        hooks = frame.data[0] | (frame.data[1] << 8)
        items = frame.data[2] | (frame.data[3] << 8)
        p = self.polarity
        return tuple(LockState(frame.board, n, door_closed=p.closed((hooks >> (n - 1)) & 1),
                               item_present=p.present((items >> (n - 1)) & 1))
                     for n in range(1, self.locks_per_board + 1))

    def open_reply_matches(self, frame, board, lock):
        # An unlock is answered with the board's status frame.
        return frame.kind == "status" and frame.board == board

    def open_reply_says_open(self, frame, lock):
        hooks = frame.data[0] | (frame.data[1] << 8)
        return not self.polarity.closed((hooks >> (lock - 1)) & 1)
