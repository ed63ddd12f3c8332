"""The elements a receipt is made of (text, two-column row, rule, QR code, feed, cut) and column arithmetic.

Templates in kiosk.documents produce these; the command class turns them into ESC/POS. A full-width (CJK)
character (any non-ASCII one, in Chinese mode) takes two columns of font A, an ASCII character one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

logger = logging.getLogger(__name__)

Align = Literal["left", "center", "right"]

# Font A is 12 x 24 dots; 80 mm paper prints 576 dots (48 columns), 58 mm prints 384 (32 columns).
DOTS_PER_COLUMN = 12
PAPER_DOTS = {80: 576, 58: 384}


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False


@dataclass(frozen=True)
class Row:
    """A label on the left and a value flush right, e.g. an item and its amount."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class QrCode:
    data: str
    size: int = 6  # module size in dots


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Element = Text | Row | Rule | QrCode | Feed | Cut


def char_columns(ch: str) -> int:
    # In Chinese mode every non-ASCII character is a GB18030 multi-byte code, printed full width; that includes
    # the "ambiguous" ones (“ ” ° ×) that a terminal would draw narrow.
    return 1 if ord(ch) < 0x80 else 2


def text_columns(text: str) -> int:
    return sum(char_columns(c) for c in text)


def wrap(text: str, columns: int) -> list[str]:
    """Break a line so no piece is wider than `columns`; never splits a double-width character."""
    lines, current, width = [], [], 0
    for ch in text:
        w = char_columns(ch)
        if width + w > columns and current:
            lines.append("".join(current))
            current, width = [], 0
        current.append(ch)
        width += w
    lines.append("".join(current))
    return lines


def row_lines(left: str, right: str, columns: int) -> list[str]:
    """The left text wrapped, the right text flush right on the last line (or on a line of its own)."""
    right_w = text_columns(right)
    if right_w >= columns:
        return wrap(left, columns) + [right]
    pieces = wrap(left, columns)
    last = pieces[-1]
    gap = columns - text_columns(last) - right_w
    if gap >= 1:
        pieces[-1] = last + " " * gap + right
    else:
        pieces.append(" " * (columns - right_w) + right)
    return pieces
