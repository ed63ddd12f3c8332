"""THE one place where the core reaches the Kivy thread: a session observer that hands the latest view over.

The session calls its observers on the core thread, possibly many times between two frames (a countdown tick, a
device status, cases arriving). The bridge keeps only the newest SessionView and fires one coalesced Clock trigger;
the Kivy thread then renders that view once. Nothing else in the UI is called from another thread.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from kiosk.session import SessionView

logger = logging.getLogger(__name__)


class ViewBridge:
    def __init__(self, render: Callable[[SessionView], None]):
        from kivy.clock import Clock  # deferred so the module imports without a window

        self._render = render
        self._lock = threading.Lock()
        self._latest: SessionView | None = None
        # Scheduling a Clock trigger is thread-safe; repeated calls before the next frame collapse into one.
        self._trigger = Clock.create_trigger(self._flush, 0)

    def __call__(self, view: SessionView) -> None:
        """Session observer: any thread. Stores the view and asks for one render on the Kivy thread."""
        with self._lock:
            self._latest = view
        self._trigger()

    def _flush(self, _dt: float) -> None:
        with self._lock:
            view, self._latest = self._latest, None
        if view is None:
            return
        try:
            self._render(view)
        except Exception:  # a drawing bug must not take the kiosk down; the next view draws again
            logger.exception("rendering the %s screen failed", view.state.value)
