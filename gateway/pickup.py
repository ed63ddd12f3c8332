"""Signed pickup codes: Ed25519 over a small JSON payload, verifiable by a locker without the network."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.secrets_at_rest import is_sealed, seal, unseal
from gateway.models import Case, CaseStep, LockerDeposit, PickupAgent, PickupCode, SigningKey, utcnow

logger = logging.getLogger(__name__)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ensure_signing_key(db: Session) -> SigningKey:
    """The active signing key, created on first use (kept in the database so every gateway process signs alike)."""
    key = db.execute(select(SigningKey).where(SigningKey.active.is_(True))
                     .order_by(SigningKey.created_at.desc(), SigningKey.key_id)).scalars().first()
    if key is not None:
        if not is_sealed(key.private_key):  # written in clear by an older gateway: sealed now
            key.private_key = seal(bytes(key.private_key), _purpose(key.key_id))
            db.flush()
            logger.info("pickup signing key %s sealed", key.key_id)
        return key
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = "k" + secrets.token_hex(4)
    key = SigningKey(key_id=key_id, private_key=seal(raw, _purpose(key_id)),
                     public_key_b64=base64.b64encode(public).decode("ascii"), created_at=utcnow(), active=True)
    db.add(key)
    db.flush()
    logger.info("created pickup signing key %s", key.key_id)
    return key


def _purpose(key_id: str) -> str:
    return f"pickup-signing-key:{key_id}"


def private_key_of(key: SigningKey) -> Ed25519PrivateKey:
    """The signing key's private half, opened from its sealed form (a key still in clear is used as it is)."""
    raw = bytes(key.private_key)
    return Ed25519PrivateKey.from_private_bytes(unseal(raw, _purpose(key.key_id)) if is_sealed(raw) else raw)


def subject_hash(code_id: str, id_number: str) -> str:
    return hashlib.sha256(f"{code_id}:{id_number}".encode()).hexdigest()


def digits_hash(code_id: str, digits: str) -> str:
    return hashlib.sha256(f"{code_id}:{digits}".encode()).hexdigest()


def make_code(key: SigningKey, code_id: str, locker_id: str, compartment: str, id_number: str,
              expires_at: dt.datetime, agents: list[str] | tuple[str, ...] = ()) -> str:
    """`agents`: ID numbers of the persons registered to collect for the holder; each goes in as `ag`, a list of
    salted hashes like `sub` (the field is left out when there are none, so older lockers read the code unchanged)."""
    fields = {"cid": code_id, "lk": locker_id, "cp": compartment, "sub": subject_hash(code_id, id_number),
              "exp": int(expires_at.timestamp()), "kid": key.key_id}
    if agents:
        fields["ag"] = sorted(subject_hash(code_id, agent) for agent in agents)
    payload = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    signature = private_key_of(key).sign(payload)
    return f"PK1.{b64url(payload)}.{b64url(signature)}"


def verify_code(qr: str, public_keys: dict[str, str]) -> dict:
    """The payload of a genuine code (public keys: key id -> standard base64); raises ValueError otherwise."""
    parts = qr.split(".")
    if len(parts) != 3 or parts[0] != "PK1":
        raise ValueError("not a pickup code")
    _prefix, payload_b64, signature_b64 = parts
    try:
        payload = b64url_decode(payload_b64)
        data = json.loads(payload)
        public = public_keys[data["kid"]]
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(b64url_decode(signature_b64), payload)
    except Exception as exc:  # bad base64 or JSON, unknown key, bad signature: all mean the same to the caller
        raise ValueError("pickup code does not verify") from exc
    return data


def agents_of(db: Session, case_id: str) -> list[str]:
    """ID numbers of the persons registered to collect this case's certificate."""
    return list(db.execute(select(PickupAgent.id_number).where(PickupAgent.case_id == case_id)
                           .order_by(PickupAgent.id_number)).scalars())


class PickupRefused(Exception):
    """A pickup the gateway cannot record; `code` is the API error code, `status` its HTTP status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def collect(db: Session, locker_id: str, code_id: str, compartment: str, when: dt.datetime, *,
            check_expiry: bool = True) -> tuple[LockerDeposit, bool]:
    """Mark the code used, the deposit collected and the case "collected". Returns (deposit, newly): a second report
    of the same pickup (the direct call and the outbox event, or a redelivery) changes nothing and gives newly=False.
    """
    code = db.get(PickupCode, code_id)
    record = db.get(LockerDeposit, code.deposit_id) if code is not None else None
    if code is None or record is None or record.locker_id != locker_id:
        raise PickupRefused(404, "code_not_found", "No such pickup code at this locker.")
    if record.compartment != compartment:
        raise PickupRefused(409, "compartment_mismatch", "The code belongs to another compartment.")
    if code.used_at is not None:
        return record, False
    if check_expiry and code.expires_at <= when:
        raise PickupRefused(409, "code_expired", "This pickup code has expired.")
    code.used_at = when
    record.collected_at = when
    record.occupied_slot = None
    case = db.get(Case, record.case_id)
    if case is not None and case.status == "certificate_ready":
        case.status = "collected"
        db.add(CaseStep(case_id=case.case_id, status="collected", at=when))
    logger.info("pickup of code %s from %s/%s recorded", code_id, locker_id, compartment)
    return record, True
