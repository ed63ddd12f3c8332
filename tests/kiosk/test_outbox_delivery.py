"""Outbox delivery to the real gateway on loopback: order, duplicates, dead letters, and the gateway going away."""
from __future__ import annotations

import random
import signal
import threading
import time
from collections import defaultdict

import pytest

from kiosk import events as ev
from kiosk.connectivity import ConnectivityMonitor
from kiosk.outbox_delivery import OutboxDelivery
from kiosk.platform_client import PlatformClient
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store
from tests.offline_cache.gateway_process import GatewayProcess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    gw = GatewayProcess(tmp_path_factory.mktemp("gateway"))
    gw.start()
    yield gw
    gw.stop()


@pytest.fixture
def offline(tmp_path):
    import os
    store = Store.open(tmp_path / "kiosk.db", os.urandom(32))
    s = OfflineStore(store, backoff_base_s=0.05, backoff_max_s=0.5, rng=random.Random(3))
    yield s
    s.close()


def client_for(gateway, api_key=None, timeout_s=2.0):
    return PlatformClient(gateway.url, api_key or gateway.api_key, timeout_s=timeout_s, kiosk_id="demo-hall-01")


def held(gateway, keys):
    """The gateway's copies of these events, by idempotency key."""
    counts = defaultdict(list)
    for key, kind, payload in gateway.events():
        if key in keys:
            counts[key].append((kind, payload))
    return counts


def drain(delivery, outbox, limit_s=30.0):
    deadline = time.monotonic() + limit_s
    while outbox.depth() and time.monotonic() < deadline:
        result = delivery.deliver_pending()
        if not result.delivered and not result.dead_lettered:
            time.sleep(0.05)
    assert outbox.depth() == 0


def test_delivers_everything_once_in_order_per_kind(gateway, offline):
    sent = [offline.outbox.enqueue(kind, {"n": n}) for n in range(20) for kind in ("pickup_done", "serial_used")]
    delivery = OutboxDelivery(offline.outbox, client_for(gateway))
    result = delivery.deliver_pending()
    assert (result.accepted, result.duplicates, result.dead_lettered) == (40, 0, 0)
    assert offline.outbox.counts() == {"pending": 0, "delivered": 40, "dead": 0}
    keys = {e.idempotency_key for e in sent}
    copies = held(gateway, keys)
    assert len(copies) == 40 and all(len(v) == 1 for v in copies.values())
    arrival = [(kind, payload["n"]) for key, kind, payload in gateway.events() if key in keys]
    for kind in ("pickup_done", "serial_used"):
        assert [n for k, n in arrival if k == kind] == list(range(20))


def test_resending_after_a_lost_acknowledgement_is_a_duplicate(gateway, offline):
    event = offline.outbox.enqueue("document_printed", {"doc": "receipt"})
    client = client_for(gateway)
    # The kiosk sent it, then died before recording that: the outbox still says pending.
    assert client.post_event(event.kind, event.idempotency_key, event.occurred_at, event.payload) == "accepted"
    result = OutboxDelivery(offline.outbox, client).deliver_pending()
    assert (result.accepted, result.duplicates) == (0, 1)
    assert len(held(gateway, {event.idempotency_key})[event.idempotency_key]) == 1
    assert offline.outbox.depth() == 0


def test_invalid_event_is_dead_lettered_and_its_kind_goes_on(gateway, offline):
    bad = offline.outbox.enqueue("command_result", {"status": "done"})  # no command_id: the gateway says 422
    good = offline.outbox.enqueue("command_result", {"command_id": "nope", "status": "done"})  # unknown: 422 too
    ok = offline.outbox.enqueue("pickup_done", {"n": 1})
    result = OutboxDelivery(offline.outbox, client_for(gateway)).deliver_pending()
    assert (result.accepted, result.dead_lettered) == (1, 2)
    dead = offline.outbox.dead_letters()
    assert [d.seq for d in dead] == [bad.seq, good.seq]
    assert all(d.last_error.startswith("422") for d in dead)
    assert set(held(gateway, {bad.idempotency_key, good.idempotency_key, ok.idempotency_key})) == {ok.idempotency_key}


def test_refused_credentials_keep_the_event_waiting(gateway, offline):
    event = offline.outbox.enqueue("pickup_done", {"n": 1})
    result = OutboxDelivery(offline.outbox, client_for(gateway, api_key="not-a-key")).deliver_pending()
    assert result.retried == 1 and result.dead_lettered == 0
    assert offline.outbox.depth() == 1 and offline.outbox.dead_letters() == []
    offline.outbox.retry_now()
    assert OutboxDelivery(offline.outbox, client_for(gateway)).deliver_pending().accepted == 1
    assert list(held(gateway, {event.idempotency_key})) == [event.idempotency_key]


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_gateway_stopped_and_restarted_mid_delivery(gateway, offline, how):
    """Events keep being enqueued while the gateway goes away (stopped, or killed mid-request: its answer lost
    after it may have stored the event) and comes back: all arrive, once, in order per kind."""
    posted: list[ev.Event] = []
    client = client_for(gateway, timeout_s=1.0)
    monitor = ConnectivityMonitor(posted.append, client.health, online_probe_s=60, offline_probe_s=0.2,
                                  failures_to_offline=1)
    delivery = OutboxDelivery(offline.outbox, client, connectivity=monitor, idle_s=0.5)
    keys: list[str] = []
    stop_enqueue = threading.Event()

    def enqueue():
        n = 0
        while not stop_enqueue.is_set() and n < 5000:
            keys.append(offline.outbox.enqueue(("pickup_done", "audit", "serial_used")[n % 3], {"n": n})
                        .idempotency_key)
            n += 1
            time.sleep(0.005)

    producer = threading.Thread(target=enqueue)
    monitor.start()
    delivery.start()
    producer.start()
    try:
        deadline = time.monotonic() + 30
        while offline.outbox.counts()["delivered"] < 30 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert offline.outbox.counts()["delivered"] >= 30, "delivery never got going"
        gateway.stop(how)  # mid-delivery: the producer is still enqueuing
        while monitor.online and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not monitor.online
        time.sleep(0.5)
        assert producer.is_alive() and offline.outbox.depth() > 0
        gateway.start()
        time.sleep(0.3)  # events still arriving while the backlog drains
        stop_enqueue.set()
        producer.join(30)
        while offline.outbox.depth() and time.monotonic() < deadline + 30:
            time.sleep(0.05)
        assert offline.outbox.depth() == 0
        assert monitor.online
    finally:
        stop_enqueue.set()
        producer.join(10)
        delivery.stop()
        monitor.stop()
        if gateway.proc is None:
            gateway.start()
    assert ev.ConnectivityChanged(online=False) in posted and posted[-1] == ev.ConnectivityChanged(online=True)
    copies = held(gateway, set(keys))
    assert set(copies) == set(keys) and all(len(v) == 1 for v in copies.values())
    wanted = set(keys)
    arrival = [(kind, payload["n"]) for key, kind, payload in gateway.events() if key in wanted]
    for kind in ("pickup_done", "audit", "serial_used"):
        ns = [n for k, n in arrival if k == kind]
        assert ns == sorted(ns)
    assert offline.outbox.dead_letters() == []


def test_offline_services_from_config_deliver_and_report(gateway, tmp_path):
    from config.schema import GatewayConfig, KioskConfig, SiteConfig, StorageConfig
    from kiosk.outbox_delivery import OfflineServices

    config = KioskConfig(site=SiteConfig(id="t", name="t", kind="hall", services=["case_status"], demo=True),
                         gateway=GatewayConfig(url=gateway.url, api_key=gateway.api_key),
                         storage=StorageConfig(data_dir=tmp_path / "data", online_probe_s=60, offline_probe_s=0.1))
    posted = []
    services = OfflineServices.from_config(config, client_for(gateway), posted.append)
    services.start()
    try:
        event = services.store.outbox.enqueue("pickup_done", {"n": 1})
        deadline = time.monotonic() + 20
        while services.store.outbox.depth() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert services.store.outbox.depth() == 0
        assert list(held(gateway, {event.idempotency_key})) == [event.idempotency_key]
        assert services.connectivity.online and posted == []
    finally:
        services.stop()


def test_offline_services_without_a_gateway_keep_events_and_say_offline(tmp_path):
    from config.schema import KioskConfig, SiteConfig, StorageConfig
    from kiosk.outbox_delivery import OfflineServices

    config = KioskConfig(site=SiteConfig(id="t", name="t", kind="hall", services=["case_status"], demo=True),
                         storage=StorageConfig(data_dir=tmp_path / "data", offline_probe_s=0.05))
    posted = []
    services = OfflineServices.from_config(config, None, posted.append)
    services.start()
    try:
        services.store.outbox.enqueue("pickup_done", {"n": 1})
        deadline = time.monotonic() + 10
        while services.connectivity.online and time.monotonic() < deadline:
            time.sleep(0.02)
        assert posted == [ev.ConnectivityChanged(online=False)]
        assert services.store.outbox.depth() == 1
    finally:
        services.stop()


def test_a_failing_store_does_not_spin_the_thread(gateway, offline):
    """The store refusing every read (disk gone) is logged and retried after a pause, not in a tight loop."""
    from offline_cache.errors import StoreUnavailable

    calls = []

    def broken_due(*args, **kwargs):
        calls.append(1)
        raise StoreUnavailable("offline store write failed (disk I/O error)")

    offline.outbox.due = broken_due
    delivery = OutboxDelivery(offline.outbox, client_for(gateway), idle_s=0.2)
    delivery.start()
    try:
        time.sleep(0.5)
    finally:
        delivery.stop()
    assert 1 <= len(calls) <= 4


class _KioskDied(BaseException):
    """Stands for the kiosk process dying: not an Exception, so nothing in delivery catches it."""


def test_batches_carry_the_backlog_each_event_once_in_order(gateway, offline):
    sent = [offline.outbox.enqueue(kind, {"n": n}) for n in range(150) for kind in ("pickup_done", "serial_used")]
    client = client_for(gateway)
    requests_made = []
    real = client.post_events

    def counting(events):
        requests_made.append(len(events))
        return real(events)

    client.post_events = counting
    delivery = OutboxDelivery(offline.outbox, client, batch=100, request_size=64)
    drain(delivery, offline.outbox)
    assert sum(requests_made) == 300 and max(requests_made) == 64  # many events to a request
    keys = {e.idempotency_key for e in sent}
    copies = held(gateway, keys)
    assert set(copies) == keys and all(len(v) == 1 for v in copies.values())
    arrival = [(kind, payload["n"]) for key, kind, payload in gateway.events() if key in keys]
    for kind in ("pickup_done", "serial_used"):
        assert [n for k, n in arrival if k == kind] == list(range(150))


def test_a_kiosk_that_dies_after_the_gateway_took_a_batch_replays_it_as_duplicates(gateway, offline):
    sent = [offline.outbox.enqueue("document_printed", {"n": n}) for n in range(30)]
    client = client_for(gateway)
    real = client.post_events
    calls = {"n": 0}

    def dies_after_the_second_answer(events):
        answers = real(events)
        calls["n"] += 1
        if calls["n"] == 2:
            raise _KioskDied  # the gateway applied this batch; the kiosk never recorded it
        return answers

    client.post_events = dies_after_the_second_answer
    with pytest.raises(_KioskDied):
        OutboxDelivery(offline.outbox, client, request_size=10).deliver_pending()
    assert offline.outbox.counts()["delivered"] == 10 and offline.outbox.depth() == 20
    # The kiosk starts again with a fresh client: the second batch answers "duplicate", the third "accepted".
    result = OutboxDelivery(offline.outbox, client_for(gateway), request_size=10).deliver_pending()
    assert (result.duplicates, result.accepted) == (10, 10)
    copies = held(gateway, {e.idempotency_key for e in sent})
    assert len(copies) == 30 and all(len(v) == 1 for v in copies.values())


def test_an_invalid_event_in_a_batch_is_dead_lettered_and_the_rest_go(gateway, offline):
    ok1 = offline.outbox.enqueue("command_result", {"command_id": "nope", "status": "done"})  # 422: unknown command
    ok2 = offline.outbox.enqueue("pickup_done", {"n": 1})
    ok3 = offline.outbox.enqueue("command_result", {"status": "done"})  # 422: no command_id
    result = OutboxDelivery(offline.outbox, client_for(gateway)).deliver_pending()
    assert (result.accepted, result.dead_lettered) == (1, 2)
    assert [d.seq for d in offline.outbox.dead_letters()] == [ok1.seq, ok3.seq]
    assert set(held(gateway, {ok1.idempotency_key, ok2.idempotency_key, ok3.idempotency_key})) == {ok2.idempotency_key}


def test_a_gateway_without_the_batch_endpoint_gets_the_events_one_by_one(gateway, offline):
    sent = [offline.outbox.enqueue("pickup_done", {"n": n}) for n in range(5)]
    client = client_for(gateway)
    real = client.request

    def old_gateway(method, path, **kwargs):
        if path == "/v1/kiosk-events/batch":
            from kiosk.platform_client import PlatformRejected
            raise PlatformRejected("not_found", 404)
        return real(method, path, **kwargs)

    client.request = old_gateway
    delivery = OutboxDelivery(offline.outbox, client)
    assert delivery.deliver_pending().accepted == 5
    assert len(held(gateway, {e.idempotency_key for e in sent})) == 5
