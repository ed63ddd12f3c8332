"""The key ring: fetched from the gateway's answer, cached on disk, used offline, refreshed on an unknown key id."""
import json

from kiosk.pickup.keys import PickupKeyRing

from tests.fakes import Clock
from tests.kiosk.pickup.conftest import Issuer


def test_fetch_and_cache(issuer, tmp_path):
    cache = tmp_path / "keys.json"
    ring = PickupKeyRing(lambda: [issuer.public_entry], cache)
    assert ring.key("k1") is not None
    assert json.loads(cache.read_text()) == [issuer.public_entry]


def test_offline_start_uses_the_cache(issuer, tmp_path):
    cache = tmp_path / "keys.json"
    PickupKeyRing(lambda: {"public_keys": [issuer.public_entry]}, cache).refresh()

    def offline():
        raise ConnectionError("gateway unreachable")
    ring = PickupKeyRing(offline, cache)
    assert ring.key("k1") is not None
    assert ring.refresh() is False and ring.key_ids == ("k1",)


def test_unknown_key_id_triggers_one_refresh_then_waits(issuer, tmp_path):
    clock = Clock(1000.0)
    served = [[issuer.public_entry]]
    calls = []

    def fetch():
        calls.append(1)
        return served[0]
    ring = PickupKeyRing(fetch, tmp_path / "k.json", min_refresh_s=60, clock=clock)
    assert ring.key("k1") is not None and len(calls) == 1
    rotated = Issuer("k2")
    served[0] = [issuer.public_entry, rotated.public_entry]
    clock.now += 61
    assert ring.key("k2") is not None and len(calls) == 2
    assert ring.key("k3") is None and len(calls) == 2  # no refresh storm from a stream of bad codes
    clock.now += 61
    assert ring.key("k3") is None and len(calls) == 3


def test_malformed_entries_are_skipped(issuer, tmp_path):
    entries = [{"key_id": "bad", "ed25519_public_key_b64": "AAAA"}, {"key_id": 5}, "junk", issuer.public_entry,
               {"key_id": "k9", "ed25519_public_key_b64": "%%%"}]
    ring = PickupKeyRing(lambda: entries, tmp_path / "k.json")
    assert ring.refresh() and ring.key_ids == ("k1",)


def test_empty_answer_keeps_the_old_keys(issuer, tmp_path):
    answers = [[issuer.public_entry], []]
    ring = PickupKeyRing(lambda: answers.pop(0), tmp_path / "k.json")
    assert ring.refresh() and not ring.refresh()
    assert ring.key_ids == ("k1",)


def test_corrupt_cache_is_ignored(tmp_path):
    cache = tmp_path / "k.json"
    cache.write_text("{not json")
    assert PickupKeyRing(None, cache).key_ids == ()
