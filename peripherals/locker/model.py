"""What a lock board reports and what a command achieved: plain values shared by both board families."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockState:
    """One lock as its board's sensors see it; item_present is None where the board has no item sensor."""

    board: int
    lock: int
    door_closed: bool
    item_present: bool | None = None

    def to_json(self) -> dict:
        item = "unknown" if self.item_present is None else ("present" if self.item_present else "empty")
        return {"lock": self.lock, "door": "closed" if self.door_closed else "open", "item": item}


@dataclass(frozen=True)
class BoardReading:
    """The answer to a status query: a completion code and, on success, every lock of the board."""

    board: int
    code: CompletionCode
    locks: tuple[LockState, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.code == CompletionCode.SUCCESS

    def lock(self, number: int) -> LockState | None:
        for state in self.locks:
            if state.lock == number:
                return state
        return None


@dataclass(frozen=True)
class OpenResult:
    """How an open command ended. opened is True only when the sensors showed the door open afterwards."""

    board: int
    lock: int
    code: CompletionCode
    opened: bool
    reason: str = ""  # message key: door_did_not_open, board_silent, bad_address, port_unavailable...
    attempts: int = 0
    was_open: bool = False  # the door already stood open before the command
    item_present: bool | None = None  # the item sensor right after the door opened, where the board has one

    def to_json(self) -> dict:
        return {"board": self.board, "lock": self.lock, "opened": self.opened, "code": self.code.value,
                "reason": self.reason, "attempts": self.attempts, "was_open": self.was_open}


@dataclass(frozen=True)
class Frame:
    """One frame a board sent, already checked: kind is 'status', 'open_reply', 'lock_state' or 'report'."""

    kind: str
    board: int
    lock: int = 0
    data: bytes = b""
    raw: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class DoorReported:
    """Event: a board pushed a door state on its own (8A family `82` report)."""

    board: int
    lock: int
    door_closed: bool


@dataclass(frozen=True)
class LockChanged:
    """Event from the controller's poller: a door or item sensor changed since the previous reading."""

    board: int
    lock: int
    door_closed: bool
    item_present: bool | None
