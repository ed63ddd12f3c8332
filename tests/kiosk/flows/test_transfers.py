"""The transfers flow: choose, confirm, and the request reaches the real gateway through the durable outbox once."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from gateway.models import KioskEvent
from kiosk import events as ev
from kiosk.flows import FlowServices
from kiosk.flows.transfers import EVENT_KIND, TransfersFlow
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


def wait_step(events, cond, step):
    with cond:
        assert cond.wait_for(lambda: any(isinstance(e, ev.FlowUpdate) and e.data.get("step") == step
                                         for e in events), 15), events
    data = {}
    for e in events:
        if isinstance(e, ev.FlowUpdate):
            data.update(e.data)
    return data


def test_chosen_utilities_are_queued_then_delivered_once(gateway, platform, offline):
    ctx, events, cond, thread = start(platform, offline, "obama")
    with cond:
        cond.wait_for(lambda: any(isinstance(e, ev.FlowUpdate) for e in events), 15)
    first = next(e.data for e in events if isinstance(e, ev.FlowUpdate))
    if first["step"] == "choose_case":
        ctx.inbox.put(ev.FlowInput("choose", first["cases"][0]["case_id"]))
    data = wait_step(events, cond, "choose_utilities")
    case_id = data["case_id"]
    ctx.inbox.put(ev.FlowInput("confirm"))  # nothing chosen yet: refused, nothing queued
    for utility in ("gas", "water", "electricity", "gas"):  # gas twice: chosen, then unchosen
        ctx.inbox.put(ev.FlowInput("toggle", utility))
    ctx.inbox.put(ev.FlowInput("toggle", "swimming_pool"))  # not a utility: ignored
    ctx.inbox.put(ev.FlowInput("confirm"))
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

