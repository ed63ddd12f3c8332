"""The events of the queue ticket: asked for, a business chosen, the gateway's ticket (printed or not)."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event


@dataclass(frozen=True)
class QueueRequested(Event):
    """The take-a-ticket button (no ID card)."""


@dataclass(frozen=True)
class QueueBusinessChosen(Event):
    business: str


@dataclass(frozen=True)
class QueueTicketIssued(Event):
    ticket: dict  # the gateway's ticket: number, business, waiting_ahead, window area (nothing personal)
    printed: bool


@dataclass(frozen=True)
class QueueTicketFailed(Event):
    reason: str
