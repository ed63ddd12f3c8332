"""A code issuer built from the contract alone (Ed25519 key made in the test), a key ring and a ledger."""
import base64
import hashlib
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.pickup.keys import PickupKeyRing
from kiosk.pickup.ledger import PickupLedger
from tests.fakes import Clock

LOCKER = "demo-locker-01"
ID_NUMBER = "11010519491231002X"  # a test ID number, never logged
NOW = 1_900_000_000.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    """Issues codes exactly as the contract says the gateway does."""

    def __init__(self, key_id="k1"):
        self.key_id = key_id
        self.private = Ed25519PrivateKey.generate()

    @property
    def public_entry(self):
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"key_id": self.key_id, "ed25519_public_key_b64": base64.b64encode(raw).decode()}

    def payload(self, cid="c-0001", lk=LOCKER, cp="0-03", id_number=ID_NUMBER, exp=NOW + 3600, **extra):
        data = {"cid": cid, "lk": lk, "cp": cp, "sub": hashlib.sha256(f"{cid}:{id_number}".encode()).hexdigest(),
                "exp": int(exp), "kid": self.key_id, **extra}
        return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()

    def sign(self, payload: bytes) -> str:
        return f"PK1.{b64url(payload)}.{b64url(self.private.sign(payload))}"

    def code(self, **fields) -> str:
        return self.sign(self.payload(**fields))

    @staticmethod
    def digits_sha256(cid, digits):
        return hashlib.sha256(f"{cid}:{digits}".encode()).hexdigest()


def deposited(ledger, issuer, cid="c-0001", cp="0-03", digits="12345678", **fields) -> str:
    """A code for a deposit this locker's ledger holds (the locker refuses a code without one): the QR text."""
    qr = issuer.code(cid=cid, cp=cp, **fields)
    if ledger.deposit(cid) is None:
        ledger.ensure_compartments([(cp, "medium")])
        ledger.add_deposit(cid, cp, Issuer.digits_sha256(cid, digits), NOW + 3600, qr)
    return qr


@pytest.fixture
def issuer():
    return Issuer()


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def keys(issuer, tmp_path):
    return PickupKeyRing(lambda: [issuer.public_entry], tmp_path / "pickup-keys.json")


@pytest.fixture
def sealer():
    from offline_cache.sealing import Sealer
    return Sealer(os.urandom(32))


@pytest.fixture
def ledger(tmp_path, sealer, clock):
    led = PickupLedger(tmp_path / "pickup.db", sealer, clock=clock)
    yield led
    led.close()
