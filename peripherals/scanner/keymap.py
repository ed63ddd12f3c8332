"""Keyboard-wedge decoding: evdev key events (US layout, as scanners send them) back to the characters of a code."""
from __future__ import annotations

import logging

from evdev import ecodes

logger = logging.getLogger(__name__)

KEY_DOWN = 1

_PLAIN_SHIFTED = {
    "KEY_MINUS": "-_", "KEY_EQUAL": "=+", "KEY_LEFTBRACE": "[{", "KEY_RIGHTBRACE": "]}", "KEY_SEMICOLON": ";:",
    "KEY_APOSTROPHE": "'\"", "KEY_GRAVE": "`~", "KEY_BACKSLASH": "\\|", "KEY_COMMA": ",<", "KEY_DOT": ".>",
    "KEY_SLASH": "/?", "KEY_SPACE": "  ",
    "KEY_1": "1!", "KEY_2": "2@", "KEY_3": "3#", "KEY_4": "4$", "KEY_5": "5%", "KEY_6": "6^", "KEY_7": "7&",
    "KEY_8": "8*", "KEY_9": "9(", "KEY_0": "0)",
    "KEY_KP0": "00", "KEY_KP1": "11", "KEY_KP2": "22", "KEY_KP3": "33", "KEY_KP4": "44", "KEY_KP5": "55",
    "KEY_KP6": "66", "KEY_KP7": "77", "KEY_KP8": "88", "KEY_KP9": "99", "KEY_KPMINUS": "--", "KEY_KPPLUS": "++",
    "KEY_KPDOT": "..", "KEY_KPSLASH": "//", "KEY_KPASTERISK": "**",
}
KEYS: dict[int, str] = {getattr(ecodes, name): chars for name, chars in _PLAIN_SHIFTED.items()}
LETTERS: dict[int, str] = {getattr(ecodes, f"KEY_{c}"): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
SHIFTS = {ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT}
ENDS = {ecodes.KEY_ENTER, ecodes.KEY_KPENTER}

# The reverse, for simulators and tests: character -> (key code, shift)
CHAR_TO_KEY: dict[str, tuple[int, bool]] = {}
for _code, _chars in KEYS.items():
    CHAR_TO_KEY.setdefault(_chars[0], (_code, False))
    CHAR_TO_KEY.setdefault(_chars[1], (_code, True))
for _code, _c in LETTERS.items():
    CHAR_TO_KEY[_c] = (_code, False)
    CHAR_TO_KEY[_c.upper()] = (_code, True)


class KeyWedgeDecoder:
    """feed() key events one at a time; it returns the code when Enter ends it, else None. Unknown keys are dropped
    (and counted): a keyboard-wedge scanner cannot carry Chinese text, only what the US layout can type."""

    def __init__(self, max_len: int = 8192):
        self._chars: list[str] = []
        self._shift = 0
        self._caps = False
        self.max_len = max_len
        self.unknown_keys = 0

    def feed(self, event) -> str | None:
        if event.type != ecodes.EV_KEY:
            return None
        code, value = event.code, event.value
        if code in SHIFTS:
            self._shift = max(0, self._shift + (1 if value == KEY_DOWN else -1 if value == 0 else 0))
            return None
        if value != KEY_DOWN:
            return None
        if code == ecodes.KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in ENDS:
            text, self._chars = "".join(self._chars), []
            return text or None
        if code in LETTERS:
            upper = bool(self._shift) != self._caps
            char = LETTERS[code].upper() if upper else LETTERS[code]
        elif code in KEYS:
            char = KEYS[code][1 if self._shift else 0]
        else:
            self.unknown_keys += 1
            return None
        if len(self._chars) < self.max_len:
            self._chars.append(char)
        return None


def key_events_for(text: str, enter: bool = True) -> list[tuple[int, int]]:
    """(key code, value) pairs a wedge scanner sends to type `text`; ValueError for a character it cannot type."""
    out: list[tuple[int, int]] = []
    for char in text:
        if char not in CHAR_TO_KEY:
            raise ValueError("a keyboard-wedge scanner cannot type this character")
        code, shift = CHAR_TO_KEY[char]
        if shift:
            out.append((ecodes.KEY_LEFTSHIFT, 1))
        out += [(code, 1), (code, 0)]
        if shift:
            out.append((ecodes.KEY_LEFTSHIFT, 0))
    if enter:
        out += [(ecodes.KEY_ENTER, 1), (ecodes.KEY_ENTER, 0)]
    return out
