"""Lock-board simulators on a pty, one per family, speaking the real wire protocol.

A test closes doors, adds and removes items, and injects faults: a board that never answers, a lock that stays
shut, a door that will not close, a board that goes quiet right after an unlock, noise and unsolicited reports.
`unlocked` records every lock that was actually released, so a test can prove that exactly the right door opened.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from peripherals.locker import eight_a, kerong
from peripherals.locker.errors import FrameError
from peripherals.simbase import PtySimulator

logger = logging.getLogger(__name__)


@dataclass
class SimLock:
    closed: bool = True  # lock hook latched, door shut
    item: bool = False
    stuck: bool = False  # fault: the unlock pulse does nothing
    never_closes: bool = False  # fault: the door will not latch again


class LockBoardSimulator(PtySimulator):
    """Shared state and test controls; subclasses parse their family's requests and answer."""

    locks_per_board = 16

    def __init__(self, boards=(0,), *, baud: int | None = None, link=None, hook_closed_bit: int = 1,
                 item_present_bit: int = 1, locks_per_board: int | None = None):
        super().__init__(baud=baud, link=link)
        if locks_per_board:
            self.locks_per_board = locks_per_board
        self.hook_closed_bit = hook_closed_bit
        self.item_present_bit = item_present_bit
        self.locks = {(b, n): SimLock() for b in boards for n in range(1, self.locks_per_board + 1)}
        self.boards = tuple(boards)
        self.muted: set[int] = set()
        self.silent_frames_after_unlock = 0
        self._silence_left = 0
        self.unlocked: list[tuple[int, int]] = []
        self.requests: list[bytes] = []
        self._buffer = bytearray()
        self._state_lock = threading.RLock()

    # -- test controls ----------------------------------------------------------------------------------------
    def _get(self, board: int, lock: int) -> SimLock:
        try:
            return self.locks[(board, lock)]
        except KeyError:
            raise ValueError(f"simulated locker has no board {board} lock {lock}") from None

    def close_door(self, board: int, lock: int) -> bool:
        """Push the door shut; returns whether it latched (a never-closes fault keeps it open)."""
        with self._state_lock:
            state = self._get(board, lock)
            if state.never_closes:
                return False
            changed = not state.closed
            state.closed = True
        if changed:
            self._door_changed(board, lock, True)
        return True

    def add_item(self, board: int, lock: int) -> None:
        with self._state_lock:
            self._get(board, lock).item = True

    def remove_item(self, board: int, lock: int) -> None:
        with self._state_lock:
            self._get(board, lock).item = False

    def door_closed(self, board: int, lock: int) -> bool:
        with self._state_lock:
            return self._get(board, lock).closed

    def item_present(self, board: int, lock: int) -> bool:
        with self._state_lock:
            return self._get(board, lock).item

    def set_stuck(self, board: int, lock: int, stuck: bool = True) -> None:
        with self._state_lock:
            self._get(board, lock).stuck = stuck

    def set_never_closes(self, board: int, lock: int, never: bool = True) -> None:
        with self._state_lock:
            self._get(board, lock).never_closes = never

    def mute_board(self, board: int, muted: bool = True) -> None:
        """Fault: the board does not answer at all (unpowered, cable cut, wrong DIP switch)."""
        with self._state_lock:
            (self.muted.add if muted else self.muted.discard)(board)

    def silent_after_unlock(self, frames: int) -> None:
        """Fault: after an unlock the board performs it but ignores the next `frames` requests (the unlock's too)."""
        self.silent_frames_after_unlock = frames

    def inject(self, data: bytes) -> None:
        """Put raw bytes on the line (noise, a half frame, a stray report)."""
        self.write(data)

    # -- internals --------------------------------------------------------------------------------------------
    def _release(self, board: int, lock: int) -> None:
        with self._state_lock:
            state = self._get(board, lock)
            if state.stuck:
                return
            was_closed = state.closed
            state.closed = False
            self.unlocked.append((board, lock))
            self._silence_left = self.silent_frames_after_unlock
        if was_closed:
            self._door_changed(board, lock, False)

    def _door_changed(self, board: int, lock: int, closed: bool) -> None:
        """Hook for families that push state reports."""

    def _hook_bit(self, state: SimLock) -> int:
        return self.hook_closed_bit if state.closed else 1 - self.hook_closed_bit

    def _item_bit(self, state: SimLock) -> int:
        return self.item_present_bit if state.item else 1 - self.item_present_bit

    def _answer(self, board: int, reply: bytes | None) -> None:
        with self._state_lock:
            if board in self.muted or board not in self.boards:
                return
            if self._silence_left > 0:
                self._silence_left -= 1
                return
        if reply:
            self.write(reply)

    def data_received(self, data: bytes) -> None:
        self._buffer.extend(data)
        while self._buffer:
            result = self._take_request(self._buffer)
            if result is None:
                break
            consumed, raw = result
            del self._buffer[:consumed]
            if raw is not None:
                self.requests.append(raw)
                self._handle(raw)

    def _take_request(self, buffer: bytearray):  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def _handle(self, raw: bytes) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError


class KerongSimulator(LockBoardSimulator):
    """Kerong CU16-style boards (19200 baud): status 30, unlock 31, unlock-all 33; replies are 35 status frames."""

    locks_per_board = 16

    def __init__(self, boards=(0,), *, baud: int | None = 19200, **kwargs):
        super().__init__(boards, baud=baud, **kwargs)

    def _take_request(self, buffer):
        if buffer[0] != kerong.STX:
            return 1, None
        if len(buffer) < 3:
            return None
        length = kerong.REQUEST_LENGTHS.get(buffer[2])
        if length is None:
            return 1, None
        if len(buffer) < length:
            return None
        raw = bytes(buffer[:length])
        try:
            kerong.parse_request(raw)
        except FrameError:
            return 1, None
        return length, raw

    def status_frame(self, addr: int) -> bytes:
        board = addr >> 4
        hooks = items = 0
        with self._state_lock:
            for n in range(1, self.locks_per_board + 1):
                state = self.locks[(board, n)]
                hooks |= self._hook_bit(state) << (n - 1)
                items |= self._item_bit(state) << (n - 1)
        return kerong.status_reply(addr, hooks & 0xFF, hooks >> 8, items & 0xFF, items >> 8)

    def _handle(self, raw):
        addr, cmd, _data = kerong.parse_request(raw)
        board, lock = addr >> 4, (addr & 0x0F) + 1
        if addr == kerong.BROADCAST or board not in self.boards:
            return
        if board in self.muted:
            return
        if cmd == kerong.CMD_UNLOCK and lock <= self.locks_per_board:
            self._release(board, lock)
        elif cmd == kerong.CMD_UNLOCK_ALL:
            for n in range(1, self.locks_per_board + 1):
                self._release(board, n)
        self._answer(board, self.status_frame(addr))


class EightASimulator(LockBoardSimulator):
    """Generic 8A boards (9600 baud): open 8A..11, query 80..33 (one lock or all), optional `82` reports."""

    locks_per_board = 24

    def __init__(self, boards=(1,), *, baud: int | None = 9600, reports: bool = False, **kwargs):
        super().__init__(boards, baud=baud, **kwargs)
        self.reports = reports  # push an `82` frame whenever a door changes

    def _take_request(self, buffer):
        if buffer[0] not in (eight_a.HEAD_OPEN, eight_a.HEAD_QUERY):
            return 1, None
        if len(buffer) < eight_a.FRAME_LEN:
            return None
        raw = bytes(buffer[:eight_a.FRAME_LEN])
        try:
            eight_a.parse_request(raw)
        except FrameError:
            return 1, None
        return eight_a.FRAME_LEN, raw

    def _state_byte(self, state: SimLock) -> int:
        return eight_a.STATE_HIGH if self._hook_bit(state) else eight_a.STATE_LOW

    def bitmap_frame(self, board: int) -> bytes:
        bits = 0
        with self._state_lock:
            for n in range(1, self.locks_per_board + 1):
                bits |= self._hook_bit(self.locks[(board, n)]) << (n - 1)
        return eight_a.bitmap_reply(board, bits)

    def report_frame(self, board: int, lock: int) -> bytes:
        with self._state_lock:
            state = self._state_byte(self._get(board, lock))
        return eight_a.build(eight_a.HEAD_REPORT, board, lock, state)

    def push_report(self, board: int, lock: int) -> None:
        self.write(self.report_frame(board, lock))

    def _door_changed(self, board, lock, closed):
        if self.reports and board not in self.muted:
            self.push_report(board, lock)

    def _handle(self, raw):
        head, board, lock, func = eight_a.parse_request(raw)
        if board not in self.boards or board in self.muted:
            return
        if head == eight_a.HEAD_OPEN and func == eight_a.FUNC_OPEN:
            if lock == 0:
                for n in range(1, self.locks_per_board + 1):
                    self._release(board, n)
                self._answer(board, eight_a.build(eight_a.HEAD_OPEN, board, 0, eight_a.STATE_LOW))
            elif lock <= self.locks_per_board:
                self._release(board, lock)
                with self._state_lock:
                    state = self._state_byte(self.locks[(board, lock)])
                self._answer(board, eight_a.build(eight_a.HEAD_OPEN, board, lock, state))
        elif head == eight_a.HEAD_QUERY and func == eight_a.FUNC_QUERY:
            if lock == 0:
                self._answer(board, self.bitmap_frame(board))
            elif lock <= self.locks_per_board:
                with self._state_lock:
                    state = self._state_byte(self.locks[(board, lock)])
                self._answer(board, eight_a.build(eight_a.HEAD_QUERY, board, lock, state))


def make_simulator(family: str, boards=None, **kwargs) -> LockBoardSimulator:
    if family == "kerong":
        return KerongSimulator(tuple(boards) if boards is not None else (0,), **kwargs)
    if family == "8a":
        return EightASimulator(tuple(boards) if boards is not None else (1,), **kwargs)
    raise ValueError(f"unknown lock board family {family!r}; choose kerong or 8a")
