"""The transfers flow: choose, confirm, and the request reaches the real gateway through the durable outbox once."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from gateway.models import KioskEvent
from kiosk import events as ev
from kiosk.flows import FlowServices
from kiosk.flows.steps import ChooseCase
from kiosk.flows.transfers import EVENT_KIND, ChooseUtilities, TransfersFlow
from kiosk.outbox_delivery import OutboxDelivery
from kiosk.runtime import FlowContext
from tests.kiosk.flows.conftest import person_id
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store


@pytest.fixture
def offline(tmp_path):
    store = OfflineStore(Store.open(tmp_path / "kiosk.db", os.urandom(32)))
    yield store
    store.close()


def start(platform, offline, person):
    events = []
    cond = threading.Condition()

    def post(event):
        with cond:
            events.append(event)
            cond.notify_all()

    ctx = FlowContext("transfers", post, threading.Event(), platform.issue_applicant_token(
        person_id(person), "card_only_demo", None))
    thread = threading.Thread(target=TransfersFlow(platform, FlowServices(outbox=offline.outbox)), args=(ctx,),
                              daemon=True)
    thread.start()
    return ctx, events, cond, thread


def wait_step(events, cond, step_type):
    with cond:
        assert cond.wait_for(lambda: any(isinstance(e, ev.FlowUpdate) and isinstance(e.step, step_type)
                                         for e in events), 15), events
    return next(e.step for e in reversed(events) if isinstance(e, ev.FlowUpdate))


def test_chosen_utilities_are_queued_then_delivered_once(gateway, platform, offline):
    ctx, events, cond, thread = start(platform, offline, "obama")
    with cond:
        cond.wait_for(lambda: any(isinstance(e, ev.FlowUpdate) for e in events), 15)
    first = next(e.step for e in events if isinstance(e, ev.FlowUpdate))
    if isinstance(first, ChooseCase):
        ctx.inbox.put(ev.FlowAnswer("choose", first.cases[0].case_id))
    step = wait_step(events, cond, ChooseUtilities)
    case_id = step.case.case_id
    ctx.inbox.put(ev.FlowAnswer("confirm"))  # nothing chosen yet: refused, nothing queued
    for utility in ("gas", "water", "electricity", "gas"):  # gas twice: chosen, then unchosen
        ctx.inbox.put(ev.FlowAnswer("toggle", utility))
    ctx.inbox.put(ev.FlowAnswer("toggle", "swimming_pool"))  # not a utility: ignored
    ctx.inbox.put(ev.FlowAnswer("confirm"))
    thread.join(15)
    assert [e.outcome for e in events if isinstance(e, ev.FlowFinished)] == ["transfers_submitted"]
    assert offline.outbox.depth() == 1

    delivery = OutboxDelivery(offline.outbox, platform)
    assert delivery.deliver_pending().accepted == 1
    assert delivery.deliver_pending().delivered == 0
    with gateway.sessionmaker()() as db:
        stored = db.execute(select(KioskEvent).where(KioskEvent.kind == EVENT_KIND)).scalars().all()
    assert len(stored) == 1
    assert stored[0].payload == {"case_id": case_id, "utilities": ["water", "electricity"]}

