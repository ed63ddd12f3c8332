"""Tests for kiosk/pickup/references.py: a deposit's sealed reference encodings, kept until pickup, decided offline.

Against the real gateway on loopback (its deposit sends the references) and the Kerong simulator on a pty.
"""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.identity.decision import GatewayDecision
from kiosk.identity.faces import FaceEngine, decode_image
from kiosk.identity.verifier import FaceEvidence
from kiosk.pickup.keys import PickupKeyRing
from kiosk.pickup.ledger import PickupLedger
from kiosk.pickup.references import LockerDecision, OfflineReferences, OfflineRefused, keep_references
from kiosk.pickup.service import LockerService
from kiosk.pickup.verifier import PickupVerifier
from kiosk.platform_client import PlatformClient
from peripherals.locker import Compartment, KerongSimulator, LockController, LockerBank, make_protocol
from gateway.testing import LiveGateway
from tests.kiosk.pickup.test_with_gateway import LOCKER, OBAMA, _act_when_open, _ready_case

BIDEN = "310115194211202341"  # the demo's registered agent for obama's ready certificate
ROSE = "982611198702095671"  # nobody's agent


@pytest.fixture(scope="module")
def encode(faces_dir):
    engine = FaceEngine(min_face_px=80)
    return lambda name: engine.encode_single(decode_image((faces_dir / name).read_bytes()))[0]


@pytest.fixture
def gateway(tmp_path):
    """A gateway of its own per test: each deposits obama's one ready certificate."""
    with LiveGateway(tmp_path / "gateway") as gw:
        yield gw


@pytest.fixture
def deposited(gateway, tmp_path, sealer):
    """A locker whose compartment A02 holds obama's certificate, deposited through the gateway."""
    case_id = _ready_case(gateway)
    client = PlatformClient(gateway.base_url, gateway.api_key(LOCKER), timeout_s=30, kiosk_id=LOCKER)
    with KerongSimulator((0,)) as sim:
        ctl = LockController(sim.path, make_protocol("kerong"), (0,), reply_timeout_s=0.15, confirm_s=0.3)
        bank = LockerBank(ctl, [Compartment("A01", 0, 1, "small"), Compartment("A02", 0, 2, "medium")])
        ledger = PickupLedger(tmp_path / "pickup.db", sealer)
        try:
            verifier = PickupVerifier(PickupKeyRing(client.pickup_keys, tmp_path / "keys.json"), ledger, LOCKER,
                                      compartments={"A01", "A02"})
            service = LockerService(bank, ledger, record_pickup=lambda *a: None, deposit_api=client.deposit,
                                    verifier=verifier, door_close_timeout_s=3, poll_s=0.02)
            person = _act_when_open(sim, 0, 2, put=True)
            outcome = service.deposit(case_id, "medium")
            person.join(5)
            assert outcome.ok, outcome
            yield type("Locker", (), {"ledger": ledger, "service": service, "verifier": verifier, "sim": sim,
                                      "client": client, "api_key": gateway.api_key(LOCKER)})
        finally:
            ledger.close()
            ctl.close()
            client.close()


def test_the_deposit_brings_the_holder_and_agent_references_and_only_this_locker_opens_them(deposited, encode):
    assert deposited.ledger.reference_count() == 2  # the holder and the registered agent
    references = OfflineReferences(deposited.ledger, deposited.api_key)
    (holder,), (agent,) = references.for_card(OBAMA), references.for_card(BIDEN)
    assert holder.shape == agent.shape == (128,)
    assert np.linalg.norm(holder - encode("obama_2.jpg")) <= 0.58  # his registry portrait's encoding
    assert np.linalg.norm(agent - encode("biden_2.jpg")) <= 0.58
    assert references.for_card(ROSE) == []
    assert OfflineReferences(deposited.ledger, "another locker's key").for_card(OBAMA) == []
    # At rest the ledger holds them sealed again: the raw float32 bytes are nowhere in its files.
    raw = np.asarray(holder, dtype="<f4").tobytes()
    files = [p for p in deposited.ledger.path.parent.iterdir() if p.name.startswith(deposited.ledger.path.name)]
    assert files and all(raw[:32] not in p.read_bytes() for p in files)


def test_offline_the_locker_decides_on_the_references_and_the_gateway_otherwise(deposited, encode):
    unreachable = GatewayDecision(PlatformClient("http://127.0.0.1:9", deposited.api_key, timeout_s=0.5, retries=0))
    local = LockerDecision(unreachable, OfflineReferences(deposited.ledger, deposited.api_key), 0.58)

    class Card:
        id_number = OBAMA
        photo_wlt = b""
    obama = FaceEvidence([encode("obama_2.jpg"), encode("obama_3.jpg")], False, True)
    assert local(Card(), obama) is None  # matched here, no token: the gateway is away
    with pytest.raises(OfflineRefused) as refused:  # obama's card, biden's face
        local(Card(), FaceEvidence([encode("biden_2.jpg"), encode("biden_1.jpg")], False, True))
    assert refused.value.message_key == "no_match"
    Card.id_number = BIDEN  # the agent, with his own face: matched against his reference
    assert local(Card(), FaceEvidence([encode("biden_2.jpg"), encode("biden_1.jpg")], False, True)) is None
    Card.id_number = ROSE  # a card with no deposit here: no reference, no match
    with pytest.raises(OfflineRefused) as refused:
        local(Card(), FaceEvidence([encode("rose_leslie_1.jpg"), encode("rose_leslie_2.jpg")], False, True))
    assert refused.value.message_key == "no_match"
    online = LockerDecision(GatewayDecision(deposited.client), OfflineReferences(deposited.ledger,
                                                                                  deposited.api_key), 0.58)
    Card.id_number = OBAMA
    token = online(Card(), FaceEvidence([encode("obama_2.jpg") + 1e-4, encode("obama_3.jpg")], False, True))
    assert token  # the gateway answered: its decision, its token


def test_references_are_purged_at_pickup(deposited):
    sim, service, verifier = deposited.sim, deposited.service, deposited.verifier
    check = verifier.verify_qr(deposited.ledger.active_deposits()[0].qr)
    person = _act_when_open(sim, 0, 2, take=True)
    done = service.pickup(check.code, OBAMA)
    person.join(5)
    assert done.ok
    assert deposited.ledger.reference_count() == 0
    assert OfflineReferences(deposited.ledger, deposited.api_key).for_card(OBAMA) == []


def test_references_are_purged_when_the_code_is_revoked(deposited):
    code_id = deposited.ledger.active_deposits()[0].code_id
    deposited.ledger.revoke(code_id, "recalled")
    assert deposited.ledger.reference_count() == 0


def test_malformed_references_are_skipped(tmp_path, sealer):
    ledger = PickupLedger(tmp_path / "p.db", sealer)
    try:
        assert keep_references(ledger, "PC1", [{"subject": "x"}, {"subject": "a" * 64, "sealed": "!!"},
                                               {"subject": "a" * 64, "sealed": "AAAA"}, None]) == 0
        assert ledger.reference_count() == 0
    finally:
        ledger.close()
