"""The line markup receipt templates render to, and its parser into receipt elements.

A template (Jinja2) writes one element per line, each line starting with a directive:
    @text [center|right] [bold] [double] [indentN] | the text    (indentN: continuation lines N columns in)
    @row [bold] | left text | right text
    @rule [char]
    @qr [size] | content
    @feed [n]
    @cut
Every value a template inserts goes through `escape` (Jinja's finalize hook), so data can never start a directive,
split a row, or break a line: `|`, `@` and `\\` are backslash-escaped, control characters become spaces.
"""
from __future__ import annotations

import logging
import re

from peripherals.printer.layout import Cut, Element, Feed, QrCode, Row, Rule, Text

logger = logging.getLogger(__name__)

# C0 and C1 controls and the Unicode line/paragraph separators: none prints, and each could end a line.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPE = re.compile(r"([\\|@])")
_SPLIT = re.compile(r"(?<!\\)((?:\\\\)*)\|")
_INDENT = re.compile(r"indent\d{1,2}")


class MarkupError(ValueError):
    """A template produced a line that is not a directive; a bug in the template, not in the data."""


def escape(value) -> str:
    if value is None:
        return ""
    return _ESCAPE.sub(r"\\\1", _CONTROL.sub(" ", str(value)))


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _fields(rest: str) -> list[str]:
    """Split on unescaped '|' (an even number of backslashes before it)."""
    parts, start = [], 0
    for match in _SPLIT.finditer(rest):
        end = match.end() - 1
        parts.append(rest[start:end])
        start = match.end()
    parts.append(rest[start:])
    return parts


def parse(markup: str) -> list[Element]:
    elements: list[Element] = []
    for number, raw in enumerate(markup.split("\n"), 1):
        line = raw.strip(" ")
        if not line:
            continue
        if not line.startswith("@"):
            raise MarkupError(f"line {number}: not a directive: {line[:20]!r}")
        head, *fields = _fields(line[1:])
        words = head.split()
        if not words:
            raise MarkupError(f"line {number}: empty directive")
        kind, options = words[0], words[1:]
        values = [unescape(f.strip(" ")) for f in fields]
        if kind == "text":
            align = next((o for o in options if o in ("left", "center", "right")), "left")
            indent = next((int(o[6:]) for o in options if _INDENT.fullmatch(o)), 0)
            elements.append(Text(values[0] if values else "", align=align, bold="bold" in options,
                                 double="double" in options, indent=indent))
        elif kind == "row":
            if len(values) != 2:
                raise MarkupError(f"line {number}: @row needs two fields")
            elements.append(Row(values[0], values[1], bold="bold" in options))
        elif kind == "rule":
            elements.append(Rule(options[0] if options else "-"))
        elif kind == "qr":
            if len(values) != 1 or not values[0]:
                raise MarkupError(f"line {number}: @qr needs its content")
            elements.append(QrCode(values[0], int(options[0]) if options else 6))
        elif kind == "feed":
            elements.append(Feed(int(options[0]) if options else 1))
        elif kind == "cut":
            elements.append(Cut())
        else:
            raise MarkupError(f"line {number}: unknown directive @{kind}")
    return elements
