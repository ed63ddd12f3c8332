"""What every maintenance page shares: a page that redraws from the desk's snapshot in the view, buttons that send
maintenance actions, the page tabs, and the keypad (also the staff PIN pad)."""
from __future__ import annotations

import logging
from typing import Callable

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel

logger = logging.getLogger(__name__)

PAGES = ("home", "stock", "locker", "log")
# Staff pages fit the screen without scrolling (a scrolled-away button would leave a touch to the footer below it):
# smaller keys than the applicant's screens, still large touch targets.
KEY_HEIGHT = 110


class DeskButton(KioskButton):
    """A button that calls `action` (a keypad press, which posts its own event) instead of sending an intent; `intent`
    and `intent_arg` still name it, so the UI tests can press it like any other button."""

    def __init__(self, action: Callable[[], None], secondary: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.action = action
        if secondary:
            from kivy.app import App

            app = App.get_running_app()
            self.background = app.color_secondary
            self.color = app.color_on_secondary

    def on_release(self):
        if self.available:
            self.action()


def label(text: str, *, size: str = "fs_body", bold: bool = False, colour: str | None = None,
          halign: str = "left") -> KioskLabel:
    from kivy.app import App

    app = App.get_running_app()
    widget = KioskLabel(text=text, bold=bold, halign=halign)
    widget.font_size = getattr(app, size)
    if colour:
        widget.color = getattr(app, colour)
    return widget


def keypad(press: Callable[[str], None], intent: str, bottom_left: tuple[str, str], bottom_right: tuple[str, str],
           *, cols: int = 3, key_height: float | None = None) -> GridLayout:
    """12 large keys: 1-9, then bottom_left, 0, bottom_right, each (key, caption); 3 (or 4) to a row."""
    from kivy.app import App

    app = App.get_running_app()
    grid = GridLayout(cols=cols, spacing=16 if cols > 3 else 24, size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    keys = [(d, d) for d in "123456789"] + [bottom_left, ("0", "0"), bottom_right]
    for key, caption in keys:
        button = DeskButton(lambda k=key: press(k), secondary=key.isdigit(), text=caption, intent=intent,
                            intent_arg=key)
        button.font_size = app.fs_title if key.isdigit() else app.fs_body
        button.height = key_height or app.button_height
        grid.add_widget(button)
    return grid


def button(text: str, arg: str, *, intent: str = "desk", secondary: bool = False, width: float | None = None,
           available: bool = True) -> KioskButton:
    """A maintenance-page button: KEY_HEIGHT high, small type; a fixed width when given. It sends its intent
    ("desk": a MaintenanceAction with `arg`; "maintenance_page": that page) like every button."""
    from kivy.app import App

    app = App.get_running_app()
    widget = KioskButton(text=text, intent=intent, intent_arg=arg, available=available)
    if secondary:
        widget.background = app.color_secondary
        widget.color = app.color_on_secondary
    widget.height = KEY_HEIGHT
    widget.font_size = app.fs_small
    if width:
        widget.size_hint_x = None
        widget.width = width
    return widget


def row(*widgets, height: float = KEY_HEIGHT) -> BoxLayout:
    """Widgets side by side in one line at least `height` high (taller when a label in it wraps)."""
    line = BoxLayout(orientation="horizontal", size_hint_y=None, height=height, spacing=24)
    for widget in widgets:
        widget.pos_hint = {"center_y": 0.5}  # a short label and a tall button share one centre line
        line.add_widget(widget)
        if isinstance(widget, KioskLabel):
            widget.bind(height=lambda _w, h, l=line, m=height: setattr(l, "height", max(m, h)))
    return line


class MaintenancePage(BaseScreen):
    """A maintenance page: redrawn from the view's maintenance_desk (MaintenanceDesk.snapshot, brought into the
    view by the session) whenever what it shows changes; its buttons send MaintenanceAction events."""

    page = "home"
    # The snapshot keys this page shows.
    shows: frozenset = frozenset({"devices", "tests", "actions", "online", "version", "kiosk_id", "card", "code"})

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._shown = None
        self._tabs = None
        self._view = None

    def activate(self, view) -> None:
        self._shown = self._tabs = None

    def deactivate(self) -> None:
        self._shown = self._tabs = None

    def render(self, view) -> None:
        self._view = view
        self.ids.heading.text = self.t("maint.header", staff_id=view.staff_id or "")
        if self._tabs != self.app.language:  # the tabs stay put while the desk's outcomes come in
            self._tabs = self.app.language
            self._render_tabs()
        self.refresh()

    def _render_tabs(self) -> None:
        tabs = self.ids.tabs
        tabs.clear_widgets()
        for page in PAGES:
            tab = KioskButton(text=self.t(f"maint.{page}"), intent="maintenance_page", intent_arg=page,
                              available=page != self.page)
            tab.font_size = self.app.fs_small
            tab.height = KEY_HEIGHT
            tabs.add_widget(tab)

    def refresh(self) -> None:
        snapshot = getattr(self._view, "maintenance_desk", None)
        # Redrawn only when what this page shows changed: a rebuild every heartbeat would keep the page re-laying out.
        key = (self.app.language, repr({k: v for k, v in snapshot.items() if k in self.shows}) if snapshot else None)
        if key == self._shown:
            return
        self._shown = key
        self.app.rendered_frame = Clock.frames_displayed  # the new widgets are laid out in the next frames
        body = self.ids.body
        body.clear_widgets()
        if snapshot is None:
            body.add_widget(label(self.t("maint.unknown")))
            return
        self.fill(body, snapshot)

    def fill(self, body: BoxLayout, snapshot: dict) -> None:
        raise NotImplementedError

    # -- shared pieces ----------------------------------------------------------------------------------------
    def action_text(self, action: dict | None, **values) -> str:
        """The outcome of a desk action in words: its message key, with the values it needs."""
        if not action:
            return ""
        key = action["message_key"]
        if key not in i18n.CATALOG:  # an outcome this catalog has no words for: shown as the key itself
            return key
        return self.t(key, **values)

    def action_colour(self, action: dict | None) -> str:
        if not action or action["ok"] is None:
            return "color_fg"
        return "color_ok" if action["ok"] else "color_warn"
