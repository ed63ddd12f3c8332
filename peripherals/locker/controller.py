"""One RS-485 bus of lock boards behind one interface: open a compartment's lock and read door and item sensors.

The controller never trusts a command alone: a door counts as opened only when a status read afterwards shows it
open. A board that goes silent (common right after an unlock) is handled by flushing, backing off and reopening the
port, and an unlock is never repeated until the sensors have said the door is still shut.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import serial

try:
    import termios
    # tcdrain/tcflush on a port whose device vanished raise termios.error, which is not an OSError.
    PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)
except ImportError:  # pragma: no cover - not POSIX
    PORT_ERRORS = (serial.SerialException, OSError)

from peripherals.locker.errors import AddressError, BoardSilent, FrameError, PortUnavailable
from peripherals.locker.model import BoardReading, DoorReported, Frame, LockChanged, OpenResult
from peripherals.locker.protocol import BoardProtocol, Polarity
from peripherals.status import BackgroundDevice, CompletionCode, DeviceStatus

logger = logging.getLogger(__name__)


def make_protocol(family: str, hook_closed_bit: int = 1, item_present_bit: int = 1,
                  locks_per_board: int | None = None) -> BoardProtocol:
    """The protocol object for a family named in config: "kerong" or "8a"."""
    from peripherals.locker.eight_a import EightAProtocol
    from peripherals.locker.kerong import KerongProtocol
    families = {"kerong": KerongProtocol, "8a": EightAProtocol}
    if family not in families:
        raise ValueError(f"unknown lock board family {family!r}; choose kerong or 8a")
    return families[family](Polarity(hook_closed_bit, item_present_bit), locks_per_board)


class LockController(BackgroundDevice):
    """Drives every board on one bus. Thread-safe: one exchange on the wire at a time."""

    def __init__(self, url: str, protocol: BoardProtocol, boards: list[int] | tuple[int, ...] = (0,), *,
                 baud: int | None = None, reply_timeout_s: float = 0.3, retries: int = 3, backoff_s: float = 0.05,
                 confirm_s: float = 1.0, open_attempts: int = 2, name: str = "locker",
                 serial_factory: Callable[..., serial.SerialBase] = serial.serial_for_url):
        super().__init__(name)
        for board in boards:
            protocol.check_address(board)
        self.url = url
        self.protocol = protocol
        self.boards = tuple(boards)
        self.baud = baud or protocol.default_baud
        self.reply_timeout_s = reply_timeout_s
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self.confirm_s = confirm_s
        self.open_attempts = max(1, open_attempts)
        self._serial_factory = serial_factory
        self._port: serial.SerialBase | None = None
        self._parser = protocol.new_parser()
        self._io = threading.RLock()
        self._reports: list[DoorReported] = []
        self.reopens = 0  # how often the port was reopened to recover a silent board (a health figure)
        self._last: dict[tuple[int, int], tuple[bool, bool | None]] = {}
        self._silent_boards: set[int] = set()
        self.poll_interval_s = 1.0
        self.join_timeout_s = 5.0

    # -- background polling -----------------------------------------------------------------------------------
    def start(self, poll_interval_s: float = 1.0) -> "LockController":
        """Poll every board in the background: keeps the status true and emits LockChanged when a sensor changes."""
        self.poll_interval_s = poll_interval_s
        return super().start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # the poller must outlive any one bad reading
                logger.exception("lock board poll failed")
            self._stop.wait(self.poll_interval_s)
        self.close()

    def _close(self) -> None:
        self.close()

    def poll_once(self) -> list[LockChanged]:
        """Read every board once and emit a LockChanged for each lock whose sensors differ from the last reading."""
        self.poll_reports()
        changes = []
        for board, reading in self.read_all().items():
            for state in reading.locks:
                key, now = (board, state.lock), (state.door_closed, state.item_present)
                before = self._last.get(key)
                self._last[key] = now
                if before is not None and before != now:
                    changes.append(LockChanged(board, state.lock, state.door_closed, state.item_present))
        for change in changes:
            self.emit(change)
        return changes

    # -- port -------------------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._io:
            self._close_port()

    def __enter__(self):  # for one exchange (the CLI): the port only, no poller
        return self

    def __exit__(self, *exc):
        self.close()

    def _ensure_port(self) -> serial.SerialBase:
        if self._port is not None:
            return self._port
        try:
            port = self._serial_factory(self.url, baudrate=self.baud, timeout=0.02, write_timeout=1.0)
        except (*PORT_ERRORS, ValueError) as exc:
            self.set_status(DeviceStatus.OFFLINE, "port unavailable")
            raise PortUnavailable(f"cannot open lock board port: {exc.__class__.__name__}") from None
        self._port = port
        self._parser.reset()
        return port

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                pass

    def _recover(self, attempt: int) -> None:
        """A board went quiet: drop whatever half-frame is buffered, wait a little longer each time, reopen."""
        port = self._port
        if port is not None:
            try:
                port.reset_input_buffer()
            except PORT_ERRORS:
                pass
        self._parser.reset()
        time.sleep(self.backoff_s * (2 ** attempt))
        if attempt >= 1:
            self.reopens += 1
            self._close_port()

    # -- one exchange -----------------------------------------------------------------------------------------
    def _exchange(self, request: bytes, match: Callable[[Frame], bool], expect_bitmap: bool) -> Frame | None:
        """Send once and wait for the matching frame; None when nothing matching came in time."""
        port = self._ensure_port()
        try:
            if port.in_waiting:  # a board's own report may be waiting: keep it, drop only stale replies
                for frame in self._parser.feed(port.read(port.in_waiting)):
                    self._other_frame(frame)
            port.reset_input_buffer()
            self._parser.reset()
            if hasattr(self._parser, "expect_bitmap"):
                self._parser.expect_bitmap = expect_bitmap
            port.write(request)
            port.flush()
            deadline = time.monotonic() + self.reply_timeout_s
            while time.monotonic() < deadline:
                data = port.read(max(1, port.in_waiting))
                if not data:
                    continue
                for frame in self._parser.feed(data):
                    if match(frame):
                        return frame
                    self._other_frame(frame)
        except PORT_ERRORS as exc:
            logger.debug("lock board port error: %s", exc.__class__.__name__)
            self._close_port()
        return None

    def _other_frame(self, frame: Frame) -> None:
        if frame.kind == "report":
            try:
                closed = self.protocol.report_closed(frame)  # type: ignore[attr-defined]
            except (AttributeError, FrameError):
                return
            self._reports.append(DoorReported(frame.board, frame.lock, closed))
        else:
            logger.debug("lock board frame ignored: %s from board %s", frame.kind, frame.board)

    def _request(self, request: bytes, match: Callable[[Frame], bool], board: int,
                 expect_bitmap: bool = True) -> Frame:
        """An idempotent request (a status read) with retries, back-off and reopen; raises BoardSilent."""
        for attempt in range(self.retries):
            try:
                frame = self._exchange(request, match, expect_bitmap)
            except PortUnavailable:
                if attempt == self.retries - 1:
                    raise
                time.sleep(self.backoff_s * (2 ** attempt))
                continue
            if frame is not None:
                self._board_health(board, answered=True)
                return frame
            logger.debug("lock board %s silent (attempt %d)", board, attempt + 1)
            self._recover(attempt)
        self._board_health(board, answered=False)
        raise BoardSilent(f"lock board {board} did not answer")

    def _board_health(self, board: int, answered: bool) -> None:
        """The bus is online only while every board answers; one silent board is a hardware error until it
        answers again (so a bus with one dead board does not flap, and logs once)."""
        (self._silent_boards.discard if answered else self._silent_boards.add)(board)
        if self._silent_boards:
            boards = ", ".join(str(b) for b in sorted(self._silent_boards))
            self.set_status(DeviceStatus.HARDWARE_ERROR, f"board {boards} silent")
        else:
            self.set_status(DeviceStatus.ONLINE)

    def _flush_reports(self) -> None:
        reports, self._reports = self._reports, []
        for report in reports:
            self.emit(report)

    # -- commands ---------------------------------------------------------------------------------------------
    def _read_board_locked(self, board: int) -> BoardReading:
        frame = self._request(self.protocol.status_request(board),
                              lambda f: self.protocol.status_reply_matches(f, board), board, expect_bitmap=True)
        return BoardReading(board, CompletionCode.SUCCESS, self.protocol.decode_status(frame))

    def read_board(self, board: int) -> BoardReading:
        """Every lock's door and item state on one board, or a completion code saying why not."""
        try:
            self.protocol.check_address(board)
        except AddressError as exc:
            return BoardReading(board, exc.code, reason="bad_address")
        try:
            with self._io:
                return self._read_board_locked(board)
        except (BoardSilent, PortUnavailable, FrameError) as exc:
            return BoardReading(board, exc.code, reason=_reason(exc))
        finally:
            self._flush_reports()

    def read_all(self) -> dict[int, BoardReading]:
        return {board: self.read_board(board) for board in self.boards}

    def open_lock(self, board: int, lock: int) -> OpenResult:
        """Open one lock and confirm from the sensors that its door opened; retries once if it did not."""
        try:
            request = self.protocol.open_request(board, lock)
        except AddressError:
            logger.warning("open refused: board %s lock %s is not addressable", board, lock)
            return OpenResult(board, lock, CompletionCode.INVALID_DATA, False, "bad_address")
        attempts = 0
        try:
            with self._io:
                before = self._read_board_locked(board).lock(lock)
                if before is None:
                    return OpenResult(board, lock, CompletionCode.INVALID_DATA, False, "bad_address")
                if not before.door_closed:
                    return OpenResult(board, lock, CompletionCode.SUCCESS, True, "", 0, was_open=True,
                                      item_present=before.item_present)
                for attempts in range(1, self.open_attempts + 1):
                    reply = self._exchange(request, lambda f: self.protocol.open_reply_matches(f, board, lock),
                                           expect_bitmap=False)
                    if reply is None:
                        # Boards often go quiet right after an unlock: recover the line, then ask the sensors.
                        logger.info("lock board %s silent after unlock of lock %s; recovering", board, lock)
                        self._recover(1)
                    else:
                        try:
                            claim = self.protocol.open_reply_says_open(reply, lock)
                        except FrameError:
                            claim = None
                        logger.debug("board %s lock %s open reply claims opened=%s", board, lock, claim)
                        if claim and self.protocol.open_reply_is_sensor_status:
                            # Kerong answers an unlock with its sensor status frame: that reading is the proof,
                            # and a door shut again at once must not be unlocked a second time.
                            state = next(s for s in self.protocol.decode_status(reply) if s.lock == lock)
                            logger.info("locker board %s lock %s opened (attempt %d)", board, lock, attempts)
                            return OpenResult(board, lock, CompletionCode.SUCCESS, True, "", attempts,
                                              item_present=state.item_present)
                    state = self._confirm_open(board, lock)
                    if state is not None:
                        logger.info("locker board %s lock %s opened (attempt %d)", board, lock, attempts)
                        return OpenResult(board, lock, CompletionCode.SUCCESS, True, "", attempts,
                                          item_present=state.item_present)
                    logger.warning("locker board %s lock %s still shut after unlock (attempt %d)",
                                   board, lock, attempts)
            return OpenResult(board, lock, CompletionCode.HARDWARE_ERROR, False, "door_did_not_open", attempts)
        except (BoardSilent, PortUnavailable, FrameError) as exc:
            return OpenResult(board, lock, exc.code, False, _reason(exc), attempts)
        finally:
            self._flush_reports()

    def _confirm_open(self, board: int, lock: int):
        deadline = time.monotonic() + self.confirm_s
        while True:
            state = self._read_board_locked(board).lock(lock)
            if state is not None and not state.door_closed:
                return state
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def poll_reports(self) -> None:
        """Read whatever boards pushed on their own (8A `82` reports) and emit them as DoorReported events."""
        with self._io:
            try:
                port = self._ensure_port()
                data = port.read(port.in_waiting) if port.in_waiting else b""
            except (*PORT_ERRORS, PortUnavailable):
                self._close_port()
                data = b""
            for frame in self._parser.feed(data):
                self._other_frame(frame)
        self._flush_reports()


def _reason(exc: Exception) -> str:
    if isinstance(exc, BoardSilent):
        return "board_silent"
    if isinstance(exc, PortUnavailable):
        return "port_unavailable"
    return "bad_reply"


def controller_from_config(config, name: str = "locker") -> LockController:
    """A LockController for a config.schema.LockerConfig."""
    protocol = make_protocol(config.protocol, config.hook_closed_bit, config.item_present_bit,
                             config.locks_per_board)
    return LockController(config.port, protocol, config.boards, baud=config.baud,
                          reply_timeout_s=config.reply_timeout_s, retries=config.retries, name=name)
