"""Pickup codes as the gateway issues them: `PK1.<base64url(payload json)>.<base64url(Ed25519 signature)>`.

The payload binds a code to one locker, one compartment and one person (`sub`, a salted hash of the ID number) until
it expires; `ag` (optional) lists the salted hashes of the agents the holder registered to collect for them. The 8
digits typed instead of scanning are checked against `digits_sha256` = sha256("cid:digits").
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

PREFIX = "PK1"
MAX_CODE_LENGTH = 2048  # a genuine code is a few hundred characters; anything longer is refused unparsed
DIGITS_RE = re.compile(r"^[0-9]{8}$")
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")


class PickupCodeError(Exception):
    """A code that cannot be used; `reason` is the message key shown to the applicant and written to the audit."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


def b64url_decode(text: str) -> bytes:
    if not _B64URL_RE.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def subject_hash(code_id: str, id_number: str) -> str:
    return hashlib.sha256(f"{code_id}:{id_number}".encode()).hexdigest()


def digits_hash(code_id: str, digits: str) -> str:
    return hashlib.sha256(f"{code_id}:{digits}".encode()).hexdigest()


@dataclass(frozen=True)
class PickupCode:
    """A parsed (not yet verified) code. `payload` and `signature` are the exact bytes the signature covers."""

    code_id: str
    locker_id: str
    compartment: str
    subject: str
    expires_at: int
    key_id: str
    payload: bytes
    signature: bytes
    agents: tuple[str, ...] = ()

    def __repr__(self) -> str:  # the subject hash is derived from an ID number: keep it out of any log line
        return (f"PickupCode(code_id={self.code_id!r}, locker_id={self.locker_id!r}, "
                f"compartment={self.compartment!r}, expires_at={self.expires_at})")

    def issued_to(self, id_number: str) -> bool:
        """Whether the verified person is the one this code was issued to."""
        return hmac.compare_digest(subject_hash(self.code_id, id_number), self.subject)

    def collector(self, id_number: str) -> str | None:
        """"holder", "agent" (registered to collect for the holder) or None for anyone else."""
        if self.issued_to(id_number):
            return "holder"
        hashed = subject_hash(self.code_id, id_number)
        if any(hmac.compare_digest(hashed, agent) for agent in self.agents):
            return "agent"
        return None

    def digits_match(self, digits: str, digits_sha256: str) -> bool:
        return bool(DIGITS_RE.match(digits)) and hmac.compare_digest(digits_hash(self.code_id, digits),
                                                                     digits_sha256.lower())


def parse_code(text: str) -> PickupCode:
    """Split and decode a scanned code; raises PickupCodeError("code_malformed") for anything else."""
    if not isinstance(text, str) or len(text) > MAX_CODE_LENGTH:
        raise PickupCodeError("code_malformed", "not a pickup code")
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise PickupCodeError("code_malformed", "not a pickup code")
    try:
        payload = b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
        data = json.loads(payload.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise PickupCodeError("code_malformed", "pickup code does not decode") from None
    if not isinstance(data, dict):
        raise PickupCodeError("code_malformed", "pickup code payload is not an object")
    strings = {k: data.get(k) for k in ("cid", "lk", "cp", "sub", "kid")}
    exp = data.get("exp")
    if any(not isinstance(v, str) or not v or len(v) > 128 for v in strings.values()):
        raise PickupCodeError("code_malformed", "pickup code payload field missing")
    if not isinstance(exp, int) or isinstance(exp, bool) or not 0 < exp < 2**42:
        raise PickupCodeError("code_malformed", "pickup code expiry missing")
    if not _HEX64_RE.match(strings["sub"]) or len(signature) != 64:
        raise PickupCodeError("code_malformed", "pickup code subject or signature has the wrong shape")
    agents = data.get("ag", [])
    if not isinstance(agents, list) or len(agents) > 8 or not all(
            isinstance(a, str) and _HEX64_RE.match(a) for a in agents):
        raise PickupCodeError("code_malformed", "pickup code agents have the wrong shape")
    return PickupCode(strings["cid"], strings["lk"], strings["cp"], strings["sub"], exp, strings["kid"], payload,
                      signature, tuple(agents))
