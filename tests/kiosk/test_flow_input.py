"""The runtime hands the applicant's answers to the running flow, a late applicant token too, and tells the flow
when the session has left it."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.runtime import Runtime
from kiosk.session import Session, State
from tests.waiting import wait_for


class Card:
    id_number = "110105196108041235"
    name = "欧阳明"
    expired = False


@dataclass(frozen=True, kw_only=True)
class Echo(ev.FlowStep):
    last: str


class EchoFlow:
    """Waits for the token, then reports each answer until the flow is over."""

    def __init__(self):
        self.answers = []
        self.tokens = []
        self.over = threading.Event()

    def __call__(self, ctx):
        self.tokens.append(ctx.wait_token(5))
        while not ctx.is_over():
            answer = ctx.wait_input(0.2)
            if answer is not None:
                self.answers.append((answer.action, answer.value))
                ctx.post(ev.FlowUpdate(Echo(last=answer.action)))
        self.over.set()


def test_answers_reach_the_flow_the_late_token_too_and_back_ends_it():
    session = Session(["payment"])
    flow = EchoFlow()
    runtime = Runtime(session, None, flows={"payment": flow}, tick_s=0.05)
    runtime.start()
    try:
        runtime.post(ev.CardRead(Card()))
        runtime.post(ev.IdentityVerified("card_only_demo"))
        runtime.post(ev.ServiceChosen("payment"))  # before the gateway issued the token
        wait_for(lambda: session.state == State.FLOW)
        runtime.post(ev.ApplicantAuthorised("tok-1"))
        wait_for(lambda: flow.tokens == ["tok-1"])
        runtime.post(ev.FlowAnswer("choose", "BDC1"))
        runtime.post(ev.FlowAnswer("confirm"))
        wait_for(lambda: session.view().flow == Echo(last="confirm"))
        assert flow.answers == [("choose", "BDC1"), ("confirm", None)]
        runtime.post(ev.BackRequested())
        assert flow.over.wait(5), "leaving the flow tells it so"
        runtime.post(ev.FlowAnswer("confirm"))  # in the menu: goes nowhere
        time.sleep(0.2)
        assert flow.answers == [("choose", "BDC1"), ("confirm", None)]
    finally:
        runtime.stop()
