"""The case card's steps: one order for every case, whatever order the gateway lists them in."""
from __future__ import annotations

from types import SimpleNamespace

from screens.cases import STEP_ORDER, _step_rank


def step(status):
    return SimpleNamespace(status=status, at=None, done=False)


def test_steps_are_shown_in_the_order_they_happen():
    given = [step(s) for s in ("recorded", "received", "certificate_ready", "under_review", "collected")]
    assert [s.status for s in sorted(given, key=_step_rank)] == [
        "received", "under_review", "recorded", "certificate_ready", "collected"]


def test_a_refusal_ends_the_line_and_an_unknown_step_comes_last():
    given = [step("rejected"), step("mystery"), step("received")]
    assert [s.status for s in sorted(given, key=_step_rank)] == ["received", "rejected", "mystery"]
    assert STEP_ORDER[0] == "received" and STEP_ORDER[-1] == "rejected"
