"""The bridge: views from other threads reach the Kivy thread as one coalesced render of the newest view."""
from __future__ import annotations

import threading

from kivy.clock import Clock

from kiosk.session import SessionView, State
from screens.bridge import ViewBridge


def view(n: int) -> SessionView:
    return SessionView(state=State.ATTRACT, language="zh_CN", countdown_s=n)


def run_frames(count: int = 3) -> None:
    for _ in range(count):
        Clock.tick()


def test_many_views_before_a_frame_render_once_with_the_newest():
    rendered = []
    bridge = ViewBridge(rendered.append)
    for n in range(100):
        bridge(view(n))
    assert rendered == [], "nothing is drawn off the Kivy thread"
    run_frames()
    assert rendered == [view(99)]


def test_views_from_other_threads_are_rendered_on_the_clock_thread():
    rendered, threads_seen = [], set()

    def render(v):
        threads_seen.add(threading.get_ident())
        rendered.append(v)

    bridge = ViewBridge(render)
    workers = [threading.Thread(target=lambda i=i: [bridge(view(i * 100 + k)) for k in range(50)]) for i in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    run_frames()
    assert threads_seen == {threading.get_ident()}
    assert len(rendered) == 1, "one frame, one render"
    # The newest view overall is the last one some thread sent: its 50th.
    assert rendered[0].countdown_s % 100 == 49


def test_a_render_error_is_logged_and_the_next_view_still_renders(caplog):
    calls = []

    def render(v):
        calls.append(v)
        if len(calls) == 1:
            raise RuntimeError("drawing bug")

    bridge = ViewBridge(render)
    bridge(view(1))
    run_frames()
    bridge(view(2))
    run_frames()
    assert calls == [view(1), view(2)]
    assert "rendering the attract screen failed" in caplog.text
