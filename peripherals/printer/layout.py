"""The elements a receipt is made of (text, two-column row, rule, QR code, feed, cut) and column arithmetic.

Templates in kiosk.documents produce these; the command class turns them into ESC/POS. A full-width (CJK)
character (any non-ASCII one, in Chinese mode) takes two columns of font A, an ASCII character one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from catalog.punctuation import NO_LINE_END, NO_LINE_START

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
    indent: int = 0  # columns of hanging indent on continuation lines (under a label or a list number)


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


# Chinese line breaking: the one punctuation table (catalog.punctuation), shared with the screens and the PDFs.


def wrap(text: str, columns: int, indent: int = 0) -> list[str]:
    """Break a line so no piece is wider than `columns`; never splits a double-width character.

    Closing punctuation is never the first character of a line nor opening punctuation the last (the character
    before moves down with it), an ASCII word moves down whole rather than being cut, and continuation lines are
    indented by `indent` columns (a hanging indent under a label or list number)."""
    lines: list[str] = []
    current: list[str] = []
    width = 0
    prefix = [" "] * indent if 0 < indent <= columns // 2 else []
    for ch in text:
        w = char_columns(ch)
        if width + w > columns and current:
            carry = _carry(current, ch)
            if carry and text_columns("".join(prefix + current[-carry:])) + w > columns:
                carry = 0  # moving it down would not fit either: break where the paper ends
            head = current[:len(current) - carry]
            lines.append("".join(head).rstrip(" "))
            current = prefix + current[len(current) - carry:]
            width = text_columns("".join(current))
            if ch == " " and not carry:
                continue  # no line starts with the space it broke at
        current.append(ch)
        width += w
    lines.append("".join(current))
    return lines


def _carry(current: list[str], ch: str) -> int:
    """How many characters at the end of a full line move down with `ch` (never all of them)."""
    n = 0
    if ch in NO_LINE_START:
        n = 1
        while n < len(current) and current[-n] in NO_LINE_START:
            n += 1  # keep a run of closing marks with the character they close
    while n < len(current) and current[-n - 1] in NO_LINE_END:
        n += 1
    if n == 0 and ch.isascii() and not ch.isspace() and current[-1].isascii() and not current[-1].isspace():
        try:
            space = len(current) - 1 - current[::-1].index(" ")
        except ValueError:
            return 0
        if space > 0 and not all(c == " " for c in current[:space]):
            n = len(current) - 1 - space
    return n if n < len(current) else 0


def row_parts(left: str, right: str, columns: int) -> list[tuple[str, int, str]]:
    """The lines of a row as (text, gap, right): the left text wrapped, then `gap` blank columns and the right text
    flush right on the last line (or on a line of its own). Other lines have gap 0 and no right text."""
    right_w = text_columns(right)
    pieces = wrap(left, columns)
    if right_w >= columns:
        return [(p, 0, "") for p in pieces] + [(right, 0, "")]
    gap = columns - text_columns(pieces[-1]) - right_w
    if gap >= 1:
        return [(p, 0, "") for p in pieces[:-1]] + [(pieces[-1], gap, right)]
    return [(p, 0, "") for p in pieces] + [("", columns - right_w, right)]


def row_lines(left: str, right: str, columns: int) -> list[str]:
    """row_parts with the gaps as spaces: what each printed line shows."""
    return [text + " " * gap + right for text, gap, right in row_parts(left, right, columns)]
