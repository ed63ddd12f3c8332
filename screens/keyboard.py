"""A large on-screen keyboard for Chinese text (addresses): pinyin with a candidates bar, Latin capitals, digits.

Generic: a screen puts a `ChineseKeyboard` in its layout and reads `keyboard.text` (or binds to it) when the person
confirms; the keyboard decides nothing else. The pinyin -> characters logic is kiosk.input_method.PinyinComposer.
Keys are `KeyboardKey`s, not KioskButtons: a key is one character, so it is a 60x60 dp minimum target rather than
a 200 px wide command button.
"""
from __future__ import annotations

import logging
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from catalog import i18n
from kiosk.input_method import PinyinComposer, PinyinDictionary, warm_up

logger = logging.getLogger(__name__)

KV = Path(__file__).resolve().parent / "kv" / "keyboard.kv"
LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGITS = "1234567890"
CANDIDATES_PER_PAGE = 5
MIN_KEY_DP = 60


class KeyboardKey(ButtonBehavior, Label):
    """One key: `key` is what it types, or a command (backspace, clear, space, mode, prev, next, cand:<i>)."""

    key = StringProperty("")
    wide = NumericProperty(1.0)  # how many letter keys wide
    accent = BooleanProperty(False)  # command keys are drawn in the secondary colour

    def on_release(self):
        keyboard = self.parent
        while keyboard is not None and not isinstance(keyboard, ChineseKeyboard):
            keyboard = keyboard.parent
        if keyboard is not None and self.key:
            keyboard.press(self.key)


class ChineseKeyboard(BoxLayout):
    """The keyboard with its own line showing what is typed; `text` is the committed text."""

    text = StringProperty("")
    letters = StringProperty("")  # pinyin typed, not yet a character
    mode = StringProperty("pinyin")  # or "latin": letters are typed as capitals (楼 A 座, 3B 室)
    candidates = ListProperty([])  # the candidates on the bar now: [text, ...]
    page = NumericProperty(0)
    pages = NumericProperty(0)
    max_length = NumericProperty(120)
    show_field = BooleanProperty(True)

    def __init__(self, **kwargs):
        self.composer = PinyinComposer()
        self._all: list = []
        self._waiting = None
        super().__init__(**kwargs)
        self.composer.max_length = int(self.max_length)
        warm_up() if not PinyinDictionary.ready() else None
        # Kivy's Clock holds its callbacks weakly: a bound method lives as long as the keyboard, a lambda may not
        Clock.schedule_once(self._rows_later, 0)

    def _rows_later(self, _dt) -> None:
        self._build_rows()
        self._draw_field()

    # -- what a screen uses ----------------------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self.composer.clear()
        self.composer.type_text(text)
        self._refresh()

    def press(self, key: str) -> None:
        composer = self.composer
        if key == "backspace":
            composer.backspace()
        elif key == "clear":
            composer.clear()
        elif key == "mode":
            composer.commit_letters()
            self.mode = "latin" if self.mode == "pinyin" else "pinyin"
        elif key == "space":
            if composer.letters and self._all:
                composer.choose(self._all[0])
            else:
                composer.type_text(" ")
        elif key == "prev":
            self.page = max(0, self.page - 1)
            self._show_page()
            return
        elif key == "next":
            self.page = min(max(0, self.pages - 1), self.page + 1)
            self._show_page()
            return
        elif key.startswith("cand:"):
            index = self.page * CANDIDATES_PER_PAGE + int(key[5:])
            if index < len(self._all):
                composer.choose(self._all[index])
        elif len(key) == 1 and key.isalpha() and key.isascii():
            if self.mode == "pinyin":
                composer.type_letter(key)
            else:
                composer.type_text(key.upper())
        else:
            composer.type_text(key)
        self._refresh()

    def key_widgets(self) -> list[KeyboardKey]:
        return [w for w in self.walk(restrict=True) if isinstance(w, KeyboardKey)]

    # -- drawing ---------------------------------------------------------------------------------------------------
    def _build_rows(self) -> None:
        rows = self.ids.rows
        rows.clear_widgets()
        rows.add_widget(self._row([(d, d, 1, False) for d in DIGITS]))
        rows.add_widget(self._row([(c, c, 1, False) for c in LETTER_ROWS[0]]))
        rows.add_widget(self._row([(c, c, 1, False) for c in LETTER_ROWS[1]] + [("-", "-", 1, False)]))
        rows.add_widget(self._row([(c, c, 1, False) for c in LETTER_ROWS[2]]
                                  + [("backspace", "", 3, True)]))
        rows.add_widget(self._row([("mode", "", 2, True), ("#", "#", 1, False), ("space", "", 4, True),
                                   ("clear", "", 3, True)]))
        self._refresh()

    def _row(self, keys) -> BoxLayout:
        row = KeyboardRow()
        for key, label, wide, accent in keys:
            row.add_widget(KeyboardKey(key=key, text=label, wide=wide, accent=accent, size_hint_x=wide))
        return row

    def _refresh(self) -> None:
        composer = self.composer
        self.text = composer.text
        self.letters = composer.letters
        if composer.letters and not PinyinDictionary.ready():
            self._all = []
            if self._waiting is None:
                self._waiting = Clock.schedule_interval(self._index_ready, 0.2)
        else:
            self._all = composer.candidates()
        self._draw_field()
        self.pages = (len(self._all) + CANDIDATES_PER_PAGE - 1) // CANDIDATES_PER_PAGE
        self.page = 0
        self._show_page()
        self._label_commands()

    def _draw_field(self) -> None:
        """What is typed, the pending pinyin underlined, and the caret (set here: a kv expression over two
        properties missed the text set right after construction)."""
        field = self.ids.get("field")
        if field is None:
            return
        escaped = self.text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
        field.text = escaped + (f"[u]{self.letters}[/u]" if self.letters else "") + "|"

    def _index_ready(self, _dt):
        if not PinyinDictionary.ready():
            return True
        self._waiting = None
        self._refresh()
        return False

    def _show_page(self) -> None:
        start = self.page * CANDIDATES_PER_PAGE
        self.candidates = [c.text for c in self._all[start:start + CANDIDATES_PER_PAGE]]
        bar = self.ids.get("bar")
        if bar is None:
            return
        for index, slot in enumerate(w for w in bar.children[::-1] if isinstance(w, KeyboardKey)
                                     and w.key.startswith("cand:")):
            slot.text = self.candidates[index] if index < len(self.candidates) else ""
            slot.disabled = not slot.text

    def _label_commands(self) -> None:
        app = App.get_running_app()
        language = getattr(app, "language", i18n.DEFAULT_LANGUAGE)
        labels = {"mode": i18n.text("keyboard.mode_latin" if self.mode == "pinyin" else "keyboard.mode_pinyin",
                                    language),
                  "space": i18n.text("keyboard.space" if not self.letters else "keyboard.choose_first", language),
                  "clear": i18n.text("keyboard.clear", language),
                  "backspace": i18n.text("keyboard.backspace", language)}
        for key in self.key_widgets():
            if key.key in labels:
                key.text = labels[key.key]

    def on_mode(self, *_args):
        self._label_commands()

    def relabel(self) -> None:
        """Call after the language changes: the command keys are worded in the screen's language."""
        self._label_commands()


class KeyboardRow(BoxLayout):
    """One row of keys, each as wide as its `wide` says."""


if str(KV) not in Builder.files:
    Builder.load_file(str(KV))
