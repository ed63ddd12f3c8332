"""The core loop: events from other threads reach the session, commands run on workers, stale results are dropped."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from kiosk import events as ev
from kiosk.runtime import Runtime
from kiosk.session import ANY, Session, State
from tests.waiting import wait_for


@dataclass
class Card:
    id_number: str = "110105196108041235"
    name: str = "欧阳明"
    expired: bool = False


class Platform:
    """A platform stand-in for this unit test of the loop (the real client is tested against the real gateway)."""

    def __init__(self, cases=("case-1",), fail=None, gate: threading.Event | None = None):
        self.cases, self.fail, self.gate = cases, fail, gate
        self.tokens = []

    def issue_applicant_token(self, id_number, method, score):
        if self.fail:
            raise self.fail
        self.tokens.append((id_number, method))
        return "tok-1"

    def list_cases(self, token):
        if self.gate is not None:
            self.gate.wait(5)
        return self.cases


class KeyedError(Exception):
    message_key = "platform_unavailable"


@pytest.fixture
def make_runtime():
    runtimes = []

    def make(platform=None, flows=None, method="card_only_demo", case_cache=None):
        session = Session(["case_status"], [], identity_method=method)
        runtime = Runtime(session, platform, flows=flows, tick_s=0.05, case_cache=case_cache)
        runtime.start()
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.stop()


def test_card_to_cases_through_the_loop(make_runtime):
    platform = Platform(cases=("case-a", "case-b"))
    runtime = make_runtime(platform)
    runtime.post(ev.CardRead(Card()))
    assert wait_for(lambda: runtime.session.view().cases == ("case-a", "case-b"))
    assert runtime.session.state == State.MENU
    assert platform.tokens == [("110105196108041235", "card_only_demo")]


def test_platform_error_key_reaches_the_view(make_runtime):
    runtime = make_runtime(Platform(fail=KeyedError()))
    runtime.post(ev.CardRead(Card()))
    assert wait_for(lambda: runtime.session.view().message == "platform_unavailable")


def test_unexpected_error_is_internal_error_not_a_crash(make_runtime):
    runtime = make_runtime(Platform(fail=ValueError("boom")))
    runtime.post(ev.CardRead(Card()))
    assert wait_for(lambda: runtime.session.view().message == "internal_error")
    runtime.post(ev.CancelRequested())
    assert wait_for(lambda: runtime.session.state == State.ATTRACT)


def test_missing_verifier_fails_verification(make_runtime):
    runtime = make_runtime(Platform(), method="face")
    runtime.post(ev.CardRead(Card()))
    assert wait_for(lambda: runtime.session.view().outcome == "ask_staff")
    assert runtime.session.view().message == "verification_unavailable"


def test_results_for_an_ended_session_never_reach_the_next_one(make_runtime):
    gate = threading.Event()
    runtime = make_runtime(Platform(cases=("old-applicant-case",), gate=gate))
    runtime.post(ev.CardRead(Card()))
    assert wait_for(lambda: runtime.session.personal.token == "tok-1")
    runtime.post(ev.CancelRequested())
    assert wait_for(lambda: runtime.session.state == State.ATTRACT)
    gate.set()  # the slow case query for the previous applicant completes now
    time.sleep(0.2)
    assert runtime.session.personal.is_empty()


def test_flow_runs_with_token_and_finishes(make_runtime):
    seen = {}

    def case_status(ctx):
        seen["token"], seen["service"] = ctx.token, ctx.service
        ctx.post(ev.FlowFinished("shown"))

    runtime = make_runtime(Platform(), flows={"case_status": case_status})
    runtime.post(ev.CardRead(Card()))
    assert wait_for(lambda: runtime.session.personal.token == "tok-1")
    runtime.post(ev.ServiceChosen("case_status"))
    assert wait_for(lambda: runtime.session.state == State.DONE)
    assert seen == {"token": "tok-1", "service": "case_status"}


@pytest.mark.parametrize("error, outcome", [(OSError("bug"), "internal_error"),
                                             ("store", "offline_store_unavailable")])
def test_a_flow_that_dies_ends_on_the_done_screen_saying_why(make_runtime, error, outcome):
    from offline_cache.errors import StoreUnavailable

    def broken(ctx):
        raise StoreUnavailable("offline store write failed (database or disk is full)") if error == "store" else error

    runtime = make_runtime(Platform(), flows={"case_status": broken})
    runtime.post(ev.CardRead(Card()))
    assert wait_for(lambda: runtime.session.personal.token == "tok-1")
    runtime.post(ev.ServiceChosen("case_status"))
    assert wait_for(lambda: runtime.session.state == State.DONE)
    assert runtime.session.view().outcome == outcome


def test_ticks_drive_timeouts(make_runtime):
    runtime = make_runtime(Platform())
    runtime.session.idle_timeout_s = 0.1
    runtime.session.idle_warning_s = 0.1
    runtime.post(ev.StartRequested())
    assert wait_for(lambda: runtime.session.state == State.IDENTIFY)
    assert wait_for(lambda: runtime.session.state == State.ATTRACT, timeout_s=3)


def test_watchdog_pings_only_while_the_loop_turns(tmp_path, monkeypatch):
    import socket

    from kiosk.watchdog import Watchdog

    path = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(0.05)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "100000")  # ping every 50 ms
    watchdog = Watchdog()
    stuck = threading.Event()
    release = threading.Event()

    class Hanging(ev.Event):
        pass

    session = Session(["case_status"], [])
    session._transitions[(ANY, Hanging)] = lambda event: (stuck.set(), release.wait(5), [])[-1]
    runtime = Runtime(session, None, tick_s=0.02, watchdog=watchdog)

    def drain(window_s=0.3):
        """Everything that arrives within the window (the pings never stop on their own)."""
        messages, deadline = [], time.monotonic() + window_s
        while time.monotonic() < deadline:
            try:
                messages.append(server.recv(256).decode())
            except socket.timeout:
                pass
        return messages

    try:
        watchdog.ready()
        runtime.start()
        before = drain()
        assert before[0].startswith("READY=1")
        assert before.count("WATCHDOG=1") >= 2
        runtime.post(Hanging())
        assert stuck.wait(2)
        drain(0.1)  # a ping already in flight when the loop got stuck
        assert "WATCHDOG=1" not in drain()  # a hung session loop stops feeding systemd
        release.set()
        assert "WATCHDOG=1" in drain()
    finally:
        release.set()
        runtime.stop()
        server.close()


def test_watchdog_is_silent_outside_systemd(monkeypatch):
    from kiosk.watchdog import Watchdog

    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    watchdog = Watchdog()
    assert not watchdog.enabled
    watchdog.ready()
    watchdog.feed()


def test_offline_shows_the_cached_case_list_of_a_reverified_person(tmp_path, make_runtime):
    import os

    from kiosk.cases import Case
    from kiosk.platform_client import PlatformUnavailable
    from offline_cache import Store
    from offline_cache.case_cache import CaseCache

    cache = CaseCache(Store.open(tmp_path / "kiosk.db", os.urandom(32)), reverify_window_s=300)
    case = Case.from_json({"case_id": "C-1", "kind": "mortgage", "title": "抵押权首次登记", "status": "under_review",
                           "received_on": "2026-11-16", "deadline": "2026-11-23", "working_days_left": 1,
                           "timeline": [{"status": "received", "at": "2026-11-16T09:00:00+08:00", "done": True}]})

    online = make_runtime(Platform(cases=(case,)), case_cache=cache)
    online.post(ev.CardRead(Card()))
    assert wait_for(lambda: online.session.view().cases == (case,))
    assert wait_for(lambda: len(cache) == 1)

    offline = make_runtime(Platform(fail=PlatformUnavailable("platform_unavailable")), case_cache=cache)
    offline.post(ev.CardRead(Card()))
    assert wait_for(lambda: offline.session.view().cases == (case,))
    view = offline.session.view()
    assert view.cases_stale_since is not None and view.message == "platform_unavailable"

    stranger = make_runtime(Platform(fail=PlatformUnavailable("platform_unavailable")), case_cache=cache)
    stranger.post(ev.CardRead(Card(id_number="310115194211202341", name="白德华")))
    assert wait_for(lambda: stranger.session.view().message == "platform_unavailable")
    assert stranger.session.view().cases == ()  # nobody else's cache entry is shown


def test_commands_named_in_order_run_one_after_another_in_the_order_given():
    from kiosk.session import Command

    @dataclass(frozen=True)
    class Step(Command):
        n: int

    class Go(ev.Event):
        def __init__(self, n):
            self.n = n

    done = []

    def run(command, post, cancelled):
        time.sleep(0.02 if command.n % 2 == 0 else 0)  # an even step is slower: a pool would overtake it
        done.append(command.n)

    session = Session(["case_status"], [])
    session._transitions[(ANY, Go)] = lambda event: [Step(event.n)]
    runtime = Runtime(session, None, tick_s=0.05, handlers={Step: run}, in_order=(Step,))
    runtime.start()
    try:
        for n in range(8):
            runtime.post(Go(n))
        assert wait_for(lambda: len(done) == 8)
        assert done == list(range(8))
    finally:
        runtime.stop()
