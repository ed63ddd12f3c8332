"""A locker bank: compartments known by label and size, each wired to one (board, lock) on the bus."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

from peripherals.locker.model import BoardReading, LockState, OpenResult
from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)

SIZES = ("small", "medium", "large")


@dataclass(frozen=True)
class Compartment:
    label: str
    board: int
    lock: int
    size: str = "medium"

    def __post_init__(self):
        if not self.label or len(self.label) > 16:
            raise ValueError("compartment label must be 1..16 characters")
        if self.size not in SIZES:
            raise ValueError(f"compartment {self.label}: size must be one of {', '.join(SIZES)}")


@dataclass(frozen=True)
class CompartmentState:
    compartment: Compartment
    door_closed: bool
    item_present: bool | None


class LockerBank:
    """Maps labels to locks and refuses any mapping where two labels share a lock: the wrong door is the worst failure."""

    def __init__(self, controller, compartments: Iterable[Compartment]):
        self.controller = controller
        self._by_label: dict[str, Compartment] = {}
        seen: dict[tuple[int, int], str] = {}
        for c in compartments:
            if c.label in self._by_label:
                raise ValueError(f"compartment label {c.label} used twice")
            if (c.board, c.lock) in seen:
                raise ValueError(f"compartments {seen[(c.board, c.lock)]} and {c.label} share board {c.board} "
                                 f"lock {c.lock}")
            if c.board not in controller.boards:
                raise ValueError(f"compartment {c.label}: board {c.board} is not on the bus")
            controller.protocol.check_address(c.board, c.lock)
            seen[(c.board, c.lock)] = c.label
            self._by_label[c.label] = c

    @classmethod
    def from_config(cls, controller, config) -> "LockerBank":
        """From a LockerConfig: its compartment list, or every lock of every board as "<board>-<lock:02d>"."""
        entries = list(getattr(config, "compartments", None) or [])
        if entries:
            compartments = [Compartment(e.label, e.board, e.lock, e.size) for e in entries]
        else:
            compartments = [Compartment(f"{b}-{n:02d}", b, n) for b in controller.boards
                            for n in range(1, controller.protocol.locks_per_board + 1)]
        return cls(controller, compartments)

    @property
    def compartments(self) -> tuple[Compartment, ...]:
        return tuple(self._by_label.values())

    def compartment(self, label: str) -> Compartment:
        try:
            return self._by_label[label]
        except KeyError:
            raise KeyError(f"no compartment labelled {label!r}") from None

    def open(self, label: str) -> OpenResult:
        c = self.compartment(label)
        logger.info("opening compartment %s (board %s lock %s)", c.label, c.board, c.lock)
        return self.controller.open_lock(c.board, c.lock)

    def state(self, label: str) -> CompartmentState | None:
        """The compartment's sensors now, or None when its board does not answer."""
        c = self.compartment(label)
        reading: BoardReading = self.controller.read_board(c.board)
        if reading.code != CompletionCode.SUCCESS:
            return None
        lock: LockState | None = reading.lock(c.lock)
        if lock is None:
            return None
        return CompartmentState(c, lock.door_closed, lock.item_present)

    def states(self) -> dict[str, CompartmentState]:
        """Every compartment whose board answered, read once per board."""
        readings = {b: self.controller.read_board(b) for b in {c.board for c in self._by_label.values()}}
        out: dict[str, CompartmentState] = {}
        for c in self._by_label.values():
            reading = readings[c.board]
            lock = reading.lock(c.lock) if reading.ok else None
            if lock is not None:
                out[c.label] = CompartmentState(c, lock.door_closed, lock.item_present)
        return out
