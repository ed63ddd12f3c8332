"""The rating part of the session and its delivery: asked when a service ends, five levels, reasons and a call-back
for the two lowest only, the phone number taken only when wanted and never kept, the rating into a real outbox."""
from __future__ import annotations

import os
from types import SimpleNamespace

from kiosk import events as ev
from kiosk.rating import events as rev
from kiosk.rating.delivery import RatingDelivery
from kiosk.rating.session_part import RequestCallback, SubmitRating
from kiosk.session import Session, State

from offline_cache.outbox import Outbox
from offline_cache.store import Store

CARD = SimpleNamespace(name="欧阳明", id_number="110105196108041235", expired=False)


def finished(service="case_status") -> Session:
    session = Session(["case_status", "payment"], identity_method="card_only_demo", clock=lambda: 100.0)
    session.handle(ev.CardRead(CARD))
    session.handle(ev.IdentityVerified(method="card_only_demo"))
    session.handle(ev.ServiceChosen(service))
    session.handle(ev.FlowFinished("finished"))
    assert session.state == State.DONE and session.view().rating_page == "ask"
    return session


def test_a_high_rating_is_sent_at_once_with_the_service_and_nothing_of_the_person():
    session = finished()
    [submit] = session.handle(rev.RatingChosen(5))
    assert isinstance(submit, SubmitRating)
    assert (submit.service, submit.level, submit.reasons, submit.callback) == ("case_status", 5, (), False)
    assert CARD.id_number not in repr(submit) and CARD.name not in repr(submit)
    assert session.view().rating_page == "thanks"
    session.handle(rev.RatingSkipped())  # closing the thanks
    assert session.view().rating_page is None and session.state == State.DONE


def test_a_low_rating_asks_why_then_about_a_call_back_and_only_then_takes_a_number():
    session = finished()
    assert session.handle(rev.RatingChosen(1)) == []
    assert session.view().rating_page == "reasons"
    session.handle(rev.RatingReasonsGiven(("machine_fault", "wait_long", "made_up")))
    assert session.view().rating_page == "callback"
    assert session.handle(rev.RatingCallbackAnswered(True)) == []
    assert session.view().rating_page == "phone"
    assert session.handle(rev.RatingPhoneEntered("12345")) == []
    assert session.view().rating_message == "rating_phone_invalid"
    submit, callback = session.handle(rev.RatingPhoneEntered("13800138000"))
    assert (submit.level, submit.reasons, submit.callback) == (1, ("wait_long", "machine_fault"), True)
    assert callback == RequestCallback(submit.rating_id, "13800138000") and "13800138000" not in repr(callback)
    assert session.rating.phone is None  # the number is not kept
    session.handle(rev.RatingCallbackTaken(True))
    assert session.view().rating_page == "thanks"


def test_no_call_back_sends_the_low_rating_without_one_and_skipping_sends_what_was_chosen():
    session = finished()
    session.handle(rev.RatingChosen(2))
    session.handle(rev.RatingReasonsGiven(()))
    [submit] = session.handle(rev.RatingCallbackAnswered(False))
    assert (submit.level, submit.callback) == (2, False)
    session = finished()
    session.handle(rev.RatingChosen(2))
    [submit] = session.handle(rev.RatingSkipped())
    assert (submit.level, submit.reasons) == (2, ())
    session = finished()
    assert session.handle(rev.RatingSkipped()) == []  # nothing chosen: nothing sent
    assert session.view().rating_page is None


def test_the_rating_goes_when_the_session_ends_and_a_failed_check_is_not_rated():
    session = finished()
    session.handle(ev.CancelRequested())
    assert session.view().rating_page is None
    session = Session(["case_status"], identity_method="face", clock=lambda: 100.0)
    session.handle(ev.CardRead(CARD))
    session.handle(ev.VerificationFailed("no_match"))
    assert session.state == State.DONE and session.view().rating_page is None


def test_the_rating_lands_in_the_outbox_as_one_event(tmp_path):
    store = Store.open(tmp_path / "kiosk.db", os.urandom(32))
    outbox = Outbox(store)
    try:
        delivery = RatingDelivery(outbox, None, "demo-hall-01")
        command = SubmitRating("0f8fad5b-d9cb-469f-a165-70867728950e", "case_status", 2, ("wait_long",), "finished",
                               False)
        delivery.submit(command, lambda e: None, None)
        delivery.submit(command, lambda e: None, None)  # a repeat is the same event
        [event] = outbox.due(per_kind=10)
        assert event.kind == "service_rating"
        assert event.payload == {"rating_id": command.rating_id, "service": "case_status", "site": "demo-hall-01",
                                 "level": 2, "reasons": ["wait_long"], "outcome": "finished", "callback": False}
    finally:
        store.close()
