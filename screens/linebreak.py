"""Line breaking for Chinese text. Kivy breaks CJK text at any character, even before a comma or a full stop;
this applies the basic rules of catalog.punctuation (no closing mark starts a line, no opening one ends it) and keeps
Latin words and numbers whole, and amounts ("￥52,500.00"), short bracketed phrases ("（名下房产）") and the
glossary's terms ("读卡区", "待缴税费") on one line. Pure Python: the width of a piece of text comes from a measure
function.
"""
from __future__ import annotations

import logging
import re
from typing import Callable

from catalog.glossary import KEEP_TOGETHER
from catalog.punctuation import NO_LINE_END, NO_LINE_START

logger = logging.getLogger(__name__)

_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_BASE = (r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff"
         r"\uff00-\uffef\u3000-\u303f]+")
_UNITS = re.compile(_BASE)
# An amount with its sign or unit, a bracketed phrase of up to 8 characters, a glossary term: one piece each.
_WHOLE = (r"[￥¥]\s?[\d,]+(?:\.\d+)?元?|[\d,]+(?:\.\d+)?元|（[^（）\s]{1,8}）|"
          + "|".join(re.escape(term) for term in sorted(KEEP_TOGETHER, key=len, reverse=True)))
_PIECES = re.compile(f"{_WHOLE}|{_BASE}")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def units(paragraph: str) -> list[str]:
    """Unbreakable pieces: each CJK character, each run of other non-space characters, each run of spaces."""
    return _UNITS.findall(paragraph)


def pieces(paragraph: str, width: float | None = None, measure: Callable[[str], float] | None = None) -> list[str]:
    """The units, with amounts, short bracketed phrases and glossary terms kept whole; one of these wider than
    the line (a very narrow label) falls back to its units."""
    out: list[str] = []
    for piece in _PIECES.findall(paragraph):
        if width is not None and measure is not None and len(piece) > 1 and measure(piece) > width:
            out.extend(units(piece))
        else:
            out.append(piece)
    return out


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> str:
    """The text with newlines inserted so that no line is wider than width (unless one piece alone is)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        lines: list[list[str]] = [[]]
        used = 0.0
        for unit in pieces(paragraph, width, measure):
            w = measure(unit)
            line = lines[-1]
            if unit.isspace():
                if line:
                    line.append(unit)
                    used += w
                continue
            if used + w > width and any(not u.isspace() for u in line):
                _strip(line)
                carry: list[str] = []
                # A closing mark may not start the new line: the characters before it move down with it.
                while len(line) > 1 and (carry[0] if carry else unit)[0] in NO_LINE_START:
                    carry.insert(0, line.pop())
                    _strip(line)  # a space at the break disappears
                # An opening mark may not end a line.
                while len(line) > 1 and line[-1][-1] in NO_LINE_END:
                    carry.insert(0, line.pop())
                    _strip(line)
                while carry and carry[0].isspace():
                    carry.pop(0)
                lines.append(carry)
                used = sum(measure(u) for u in carry)
                line = carry
            line.append(unit)
            used += w
        _no_widow(lines)
        out.extend("".join(line).rstrip() for line in lines)
    return "\n".join(out)


def _strip(line: list[str]) -> None:
    while line and line[-1].isspace():
        line.pop()


def _no_widow(lines: list[list[str]]) -> None:
    """A last line of one Chinese character (with its punctuation) takes one more from the line above."""
    if len(lines) < 2:
        return
    last, above = lines[-1], lines[-2]
    words = [u for u in last if not u.isspace() and u[0] not in NO_LINE_START]
    rest = [u for u in above[:-1] if not u.isspace()]
    if (len(words) == 1 and len(words[0]) == 1 and _IDEOGRAPH.match(words[0]) and len(rest) > 2 and above[-1] and _IDEOGRAPH.match(above[-1])
            and rest[-1][-1] not in NO_LINE_END):
        last.insert(0, above.pop())
        _strip(above)
