"""The payment journal: durable before the order, unresolved until the kiosk knows the end, sealed at rest."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from kiosk import payment_journal as pj
from kiosk.payment_journal import PaymentJournal
from offline_cache.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "kiosk.db", os.urandom(32))
    yield s
    s.close()


def test_key_is_durable_before_the_order_and_survives_a_reopen(tmp_path):
    key = os.urandom(32)
    store = Store.open(tmp_path / "kiosk.db", key)
    entry = PaymentJournal(store).begin("BJ-1", {"items": [{"name": "契税", "amount_fen": 100}]})
    store.close()  # as if the process died right after
    reopened = Store.open(tmp_path / "kiosk.db", key)
    journal = PaymentJournal(reopened)
    open_entry = journal.unresolved_for("BJ-1")
    assert open_entry.idempotency_key == entry.idempotency_key and open_entry.state == pj.CREATING
    assert open_entry.details["items"][0]["name"] == "契税"
    reopened.close()
    raw = (tmp_path / "kiosk.db").read_bytes()
    assert "契税".encode() not in raw, "what the receipt needs is sealed at rest"


def test_second_payment_for_a_case_is_refused_until_the_first_is_resolved(store):
    journal = PaymentJournal(store)
    first = journal.begin("BJ-1")
    with pytest.raises(ValueError, match="unresolved"):
        journal.begin("BJ-1")
    journal.record_order(first.idempotency_key, "PO1", pj.PENDING, 500)
    with pytest.raises(ValueError, match=r"case BJ-1 has an unresolved payment \(pending\)"):
        journal.begin("BJ-1")
    journal.set_state(first.idempotency_key, pj.PAID)
    assert journal.unresolved_for("BJ-1").state == pj.PAID, "a paid order still owes its receipt"
    journal.mark_receipt_printed(first.idempotency_key)
    assert journal.unresolved_for("BJ-1") is None
    assert journal.begin("BJ-2").case_id == "BJ-2"


def test_receipt_only_for_a_paid_order_and_bad_states_change_nothing(store):
    journal = PaymentJournal(store)
    entry = journal.begin("BJ-1")
    with pytest.raises(ValueError, match=r"a receipt is printed only for a paid order, not a creating one"):
        journal.mark_receipt_printed(entry.idempotency_key)
    with pytest.raises(ValueError, match=r"unknown payment state 'refunded'"):
        journal.set_state(entry.idempotency_key, "refunded")
    with pytest.raises(KeyError, match=r"no journal entry nope"):
        journal.set_state("nope", pj.PAID)
    with pytest.raises(ValueError, match=r"a payment needs a case id"):
        journal.begin("")
    assert journal.get(entry.idempotency_key).state == pj.CREATING


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(pj.STATES), max_size=6))
def test_unresolved_means_open_or_receipt_owed(tmp_path_factory, states):
    store = Store.open(tmp_path_factory.mktemp("j") / "k.db", os.urandom(32))
    try:
        journal = PaymentJournal(store)
        entry = journal.begin("C")
        for state in states:
            entry = journal.set_state(entry.idempotency_key, state)
        expected = entry.state in (pj.CREATING, pj.PENDING, pj.PAID)
        assert (journal.unresolved_for("C") is not None) == expected
        assert [e.idempotency_key for e in journal.unresolved()] == ([entry.idempotency_key] if expected else [])
    finally:
        store.close()
