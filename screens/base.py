"""The base screen with activate/deactivate/render hooks, and the few widgets every screen is built from."""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.session import SessionView
from screens.linebreak import break_lines, has_cjk

logger = logging.getLogger(__name__)


class BaseScreen(Screen):
    """A screen renders a SessionView and sends intents; it decides nothing.

    activate() runs when the screen becomes the current one, deactivate() when it stops being it, render() on every
    new view while it is current (activate is followed by render).
    """

    @property
    def app(self):
        return App.get_running_app()

    def t(self, key: str, **values) -> str:
        return self.app.text(key, **values)

    def activate(self, view: SessionView) -> None:
        pass

    def deactivate(self) -> None:
        pass

    def render(self, view: SessionView) -> None:
        pass

    def carry(self) -> dict | None:
        """What the person is in the middle of on this screen (words typed), handed to the screen made afresh when
        长辈模式 is switched (screens.app rebuilds every screen in the new sizes); None: nothing to carry."""
        return None

    def restore(self, carried: dict) -> None:
        """Take what the old screen carried; called after activate(), before the next render."""

    # A hint the screen itself gives (a signature pad submitted empty): it stays through the re-renders a ticking
    # countdown causes, below any message of the session, until the screen clears it.
    _local_hint: str | None = None

    def show_local_hint(self, key: str | None) -> None:
        self._local_hint = key
        self.ids.message.text = self.t(key) if key else ""

    def message_text(self, message: str | None) -> str:
        """The message line: the session's message, else the screen's own hint."""
        return self.app.message(message) or (self.t(self._local_hint) if self._local_hint else "")


_widths: dict[tuple, dict[str, float]] = {}


def _measure(font_name: str, font_size: float, bold: bool):
    from kivy.core.text import Label as CoreLabel

    cache = _widths.setdefault((font_name, font_size, bold), {})
    core = CoreLabel(font_name=font_name, font_size=font_size, bold=bold)

    def measure(piece: str) -> float:
        if piece not in cache:
            cache[piece] = core.get_extents(piece)[0]
        return cache[piece]

    return measure


class ChineseWrapping:
    """Mixin for labels: Chinese text is broken into lines by the rules in screens.linebreak, not anywhere.

    `source_text` is the text as set (from kv or a screen); `text` is what is drawn, with line breaks added.
    """

    source_text = StringProperty("")

    def __init__(self, **kwargs):
        self._drawn: str | None = None
        super().__init__(**kwargs)
        self.bind(text=self._text_set, width=self._rewrap, text_size=self._rewrap, font_size=self._rewrap,
                  font_name=self._rewrap, bold=self._rewrap, padding=self._rewrap)
        self._text_set(self, self.text)  # text given to the constructor

    def _text_set(self, _widget, value: str) -> None:
        if value != self._drawn:
            self.source_text = value
            self._rewrap()

    def _rewrap(self, *_args) -> None:
        source = self.source_text
        width = self.text_size[0] if self.text_size and self.text_size[0] else None
        if width:
            width -= self.padding[0] + self.padding[2]  # Kivy lays text out inside the padding
        if width and width > 1 and has_cjk(source):
            drawn = break_lines(source, width * 0.98, _measure(self.font_name, self.font_size, self.bold))
        else:
            drawn = source
        self._drawn = drawn
        if self.text != drawn:
            self.text = drawn


class KioskLabel(ChineseWrapping, Label):
    """A label that wraps to its width and grows to fit its text (set size_hint_y: None in kv)."""


class KioskButton(ChineseWrapping, ButtonBehavior, Label):
    """A large touch target that sends one intent (with an optional argument) when released."""

    intent = StringProperty("")
    intent_arg = StringProperty("")
    available = BooleanProperty(True)
    background = ListProperty([0, 0, 0, 1])
    fixed_height = NumericProperty(0)  # a small button's own height (kv), kept when the type size changes

    @staticmethod
    def fill(background, state: str) -> list:
        """The button's colour: darker while pressed, so a touch is seen."""
        if state == "down":
            return [c * 0.8 for c in background[:3]] + [1]
        return list(background)

    def on_release(self):
        if self.intent and self.available:
            App.get_running_app().send_intent(self.intent, self.intent_arg or None)
