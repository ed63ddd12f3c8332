"""A call-back asked for while the gateway cannot be reached (the decision: refused, not queued): the kiosk's real
platform client against a closed loopback port fails, the person is told plainly to ask at the information desk, the
rating itself still goes through the outbox (saying a call-back was asked), and the number is nowhere on the kiosk:
not in the session, not in the outbox's database file, not in a log line."""
from __future__ import annotations

import logging
import os

from kiosk.platform_client import PlatformClient
from kiosk.rating import events as rev
from kiosk.rating.delivery import RatingDelivery
from offline_cache.outbox import Outbox
from offline_cache.store import Store
from tests.kiosk.rating.test_rating_session import finished

PHONE = "13912345678"


def test_offline_the_call_back_is_refused_in_plain_words_and_the_number_is_kept_nowhere(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    store = Store.open(tmp_path / "kiosk.db", os.urandom(32))
    try:
        outbox = Outbox(store)
        offline = PlatformClient("http://127.0.0.1:9", "key", timeout_s=0.5, retries=0)
        delivery = RatingDelivery(outbox, offline, "demo-hall-01")
        session = finished()
        session.handle(rev.RatingChosen(1))
        session.handle(rev.RatingReasonsGiven(("wait_long",)))
        session.handle(rev.RatingCallbackAnswered(True))
        submit, callback = session.handle(rev.RatingPhoneEntered(PHONE))
        posted = []
        delivery.submit(submit, posted.append, None)
        delivery.callback(callback, posted.append, None)
        assert posted == [rev.RatingCallbackTaken(False)]
        session.handle(posted[0])
        view = session.view()
        assert (view.rating_page, view.rating_message) == ("thanks", "rating_callback_failed")
        from catalog import i18n
        assert "咨询台" in i18n.text("rating_callback_failed", "zh_CN")
        assert "information desk" in i18n.text("rating_callback_failed", "en")
        [event] = outbox.due(per_kind=10)
        assert event.kind == "service_rating" and event.payload["callback"] is True
        assert PHONE not in str(event.payload) and session.rating.phone is None
    finally:
        store.close()
    for path in tmp_path.iterdir():  # the store's database and its journal files
        assert PHONE.encode() not in path.read_bytes(), path.name
    assert PHONE not in caplog.text
