"""Events the card reader emits to its listeners (besides peripherals.status.StatusChanged)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from peripherals.idcard.card import IdCard
from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardPlaced:
    """A card appeared on the reader; a CardRead or CardReadFailed follows."""

    device: str = "card_reader"


@dataclass(frozen=True)
class CardRead:
    """The card was read and its number passed its check. repr() of the card masks personal data."""

    card: IdCard
    device: str = "card_reader"


@dataclass(frozen=True)
class CardReadFailed:
    """The card on the reader could not be read after every retry; lifting and placing it again retries."""

    reason: str  # plain English, no personal data
    code: CompletionCode = CompletionCode.USER_ERROR
    device: str = "card_reader"


@dataclass(frozen=True)
class CardRemoved:
    """The card left the reader (or the reader went away while a card lay on it)."""

    device: str = "card_reader"
