"""The outbox: durable enqueue, order per kind, back-off holds a kind, dead letters, idempotent enqueue."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from offline_cache.errors import InvalidEvent
from offline_cache.outbox import Outbox
from offline_cache.store import Store
from tests.offline_cache.conftest import ID_NUMBER, NAME, file_bytes


def test_enqueued_event_is_on_disk_for_a_new_connection(offline, db_path, key, clock):
    event = offline.outbox.enqueue("pickup_done", {"compartment": "A1"})
    other = Store.open(db_path, key, clock=clock)  # a second connection sees it: committed, not just cached
    try:
        assert [e.idempotency_key for e in Outbox(other).due()] == [event.idempotency_key]
    finally:
        other.close()


def test_payload_is_encrypted_at_rest(offline, db_path):
    offline.outbox.enqueue("document_printed", {"holder": NAME, "id_number": ID_NUMBER})
    offline.store.checkpoint()
    raw = file_bytes(db_path)
    assert NAME.encode() not in raw and ID_NUMBER.encode() not in raw
    assert offline.outbox.due()[0].payload == {"holder": NAME, "id_number": ID_NUMBER}


def test_due_keeps_order_within_each_kind_and_interleaves_kinds(offline):
    ob = offline.outbox
    for i in range(3):
        ob.enqueue("a", {"i": i})
        ob.enqueue("b", {"i": i})
    assert [(e.kind, e.payload["i"]) for e in ob.due()] == [("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2),
                                                             ("b", 2)]
    assert [e.payload["i"] for e in ob.due(per_kind=2) if e.kind == "a"] == [0, 1]


def test_failed_head_holds_back_its_kind_only_until_due(offline, clock):
    ob = offline.outbox
    a0 = ob.enqueue("a", {"i": 0})
    ob.enqueue("a", {"i": 1})
    ob.enqueue("b", {"i": 0})
    delay = ob.mark_failed(a0.seq, "platform_unavailable")
    assert 0.5 <= delay <= 1.0
    due = ob.due()
    assert [(e.kind, e.payload["i"]) for e in due] == [("b", 0)]
    assert ob.next_due_at() == 0  # b is due now
    ob.mark_delivered([due[0].seq])
    assert ob.next_due_at() == pytest.approx(clock.now + delay)
    clock.now += delay
    head = ob.due()[0]
    assert (head.kind, head.payload["i"], head.attempts) == ("a", 0, 1)


def test_back_off_grows_with_attempts_and_retry_now_clears_it(offline, clock):
    ob = offline.outbox
    e = ob.enqueue("a", {})
    delays = [ob.mark_failed(e.seq, "down") for _ in range(8)]
    assert max(delays[5:]) > max(delays[:2])
    assert ob.due() == []
    ob.retry_now()
    assert [x.seq for x in ob.due()] == [e.seq]


def test_delivered_events_leave_the_queue(offline):
    ob = offline.outbox
    events = [ob.enqueue("a", {"i": i}) for i in range(4)]
    ob.mark_delivered([events[0].seq, events[1].seq])
    assert [e.payload["i"] for e in ob.due()] == [2, 3]
    assert ob.depth() == 2
    assert ob.counts() == {"pending": 2, "delivered": 2, "dead": 0}


def test_dead_letter_keeps_reason_and_lets_the_kind_go_on(offline):
    ob = offline.outbox
    bad = ob.enqueue("a", {"i": 0})
    ob.enqueue("a", {"i": 1})
    ob.dead_letter(bad.seq, "422 invalid_event")
    assert [e.payload["i"] for e in ob.due()] == [1]
    dead = ob.dead_letters()
    assert [(d.seq, d.last_error, d.payload) for d in dead] == [(bad.seq, "422 invalid_event", {"i": 0})]
    assert ob.requeue(bad.seq) and not ob.requeue(bad.seq)
    assert [e.payload["i"] for e in ob.due()] == [0, 1]


def test_same_key_same_event_is_stored_once(offline):
    ob = offline.outbox
    first = ob.enqueue("a", {"x": 1}, idempotency_key="flow-step-0001")
    again = ob.enqueue("a", {"x": 1}, idempotency_key="flow-step-0001")
    assert again.seq == first.seq and ob.depth() == 1
    with pytest.raises(InvalidEvent, match="different event"):
        ob.enqueue("a", {"x": 2}, idempotency_key="flow-step-0001")
    assert ob.depth() == 1


def test_replayed_step_with_a_later_timestamp_is_still_the_same_event(offline):
    """A journaled step repeated after a crash stamps a new time; the stored event (and its time) wins."""
    first = offline.outbox.enqueue("locker_pickup", {"code_id": "c1"}, occurred_at="2027-01-15T08:00:00+00:00",
                                   idempotency_key="2f1c9a0e-4b7d-4c1e-9a51-3b0b8d7c6e21")
    again = offline.outbox.enqueue("locker_pickup", {"code_id": "c1"}, occurred_at="2027-01-15T09:30:00+00:00",
                                   idempotency_key="2f1c9a0e-4b7d-4c1e-9a51-3b0b8d7c6e21")
    assert (again.seq, again.occurred_at) == (first.seq, first.occurred_at)
    assert offline.outbox.depth() == 1


@pytest.mark.parametrize("kind, payload, extra, message", [
    ("", {}, {}, "kind"),
    ("Pickup Done", {}, {}, "kind"),
    ("a" * 65, {}, {}, "kind"),
    ("a", [], {}, "JSON object"),
    ("a", {"x": object()}, {}, "JSON-serialisable"),
    ("a", {"x": float("nan")}, {}, "JSON-serialisable"),
    ("a", {"x": "y" * 70_000}, {}, "limit"),
    ("a", {}, {"idempotency_key": "short"}, "idempotency key"),
    ("a", {}, {"idempotency_key": "has spaces in it"}, "idempotency key"),
    ("a", {}, {"occurred_at": "yesterday"}, "ISO 8601"),
    ("a", {}, {"occurred_at": "2026-01-01T10:00:00"}, "time zone"),
])
def test_bad_event_refused_clearly_and_nothing_written(offline, kind, payload, extra, message):
    with pytest.raises(InvalidEvent, match=message):
        offline.outbox.enqueue(kind, payload, **extra)
    assert offline.outbox.counts() == {"pending": 0, "delivered": 0, "dead": 0}


def test_enqueue_commits_atomically_with_other_writes(offline):
    with pytest.raises(RuntimeError, match=r"^power cut in the middle$"):  # ours, not an error from the store
        with offline.store.write():
            offline.cases.put("110105196108041235", [])
            offline.outbox.enqueue("pickup_done", {"compartment": "A1"})
            raise RuntimeError("power cut in the middle")
    assert offline.outbox.depth() == 0 and len(offline.cases) == 0


def test_tampered_payload_is_dead_lettered_not_sent(offline):
    ob = offline.outbox
    e = ob.enqueue("a", {"i": 0})
    ob.enqueue("a", {"i": 1})
    with offline.store.write() as conn:
        conn.execute("UPDATE outbox SET payload = ? WHERE seq = ?", (b"\x01" + bytes(40), e.seq))
    assert ob.due() == []  # the broken head is set aside; its kind waits for the next pass to stay in order
    assert [d.last_error for d in ob.dead_letters()] == ["payload_unreadable"]
    assert [x.payload["i"] for x in ob.due()] == [1]


def test_listener_is_told_after_enqueue(offline):
    calls = []
    offline.outbox.add_listener(lambda: calls.append(offline.outbox.depth()))
    offline.outbox.enqueue("a", {})
    assert calls == [1]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from("abc"), max_size=30), st.data())
def test_any_mix_of_outcomes_keeps_per_kind_order(tmp_path_factory, kinds, data):
    """Drive the delivery rules with random outcomes: what is delivered per kind is always a prefix, in order."""
    import os
    store = Store.open(tmp_path_factory.mktemp("ob") / "k.db", os.urandom(32), clock=lambda: 0.0)
    ob = Outbox(store)
    for i, k in enumerate(kinds):
        ob.enqueue(k, {"i": i})
    delivered: dict[str, list[int]] = {}
    for _ in range(60):
        due = ob.due(now=0.0)
        if not due:
            break
        held = set()
        for e in due:
            if e.kind in held:
                continue
            outcome = data.draw(st.sampled_from(["ok", "ok", "dead", "fail"]))
            if outcome == "ok":
                ob.mark_delivered([e.seq])
                delivered.setdefault(e.kind, []).append(e.payload["i"])
            elif outcome == "dead":
                ob.dead_letter(e.seq, "422")
            else:
                ob.mark_failed(e.seq, "down")
                held.add(e.kind)
        ob.retry_now()
    for k, got in delivered.items():
        assert got == sorted(got)
    store.close()
