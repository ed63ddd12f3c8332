"""The locker's offline references: the sealed encodings a deposit brings, and the face decision made with them.

With each deposit the gateway sends the reference encodings of the holder and of each registered agent, sealed
under a key derived from this locker's API key and bound to the pickup code (the HTTP contract states the
derivation: HKDF-SHA256 of the API key, labels below). The ledger keeps them, sealed again at rest, only until that
code is used or revoked. The gateway still decides when it can be reached; only when it cannot does the locker
compare the live evidence with the references of the deposits this card's holder may collect.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

logger = logging.getLogger(__name__)

KEY_LABEL = b"locker-reference-encodings/v1"
SUBJECT_LABEL = b"locker-reference-subjects/v1"
NONCE_BYTES = 12
ENCODING_BYTES = 128 * 4


def _derive(api_key: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(api_key.encode())


def subject_of(api_key: str, id_number: str) -> str:
    return hmac.new(_derive(api_key, SUBJECT_LABEL), id_number.encode(), hashlib.sha256).hexdigest()


def keep_references(ledger, code_id: str, references) -> int:
    """Stores a deposit answer's references (a list of {"subject", "sealed"}); malformed ones are skipped."""
    kept = []
    for item in references or ():
        try:
            subject, sealed = str(item["subject"]), base64.b64decode(item["sealed"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            logger.warning("a deposit reference is malformed; skipped")
            continue
        if len(subject) == 64 and len(sealed) == NONCE_BYTES + ENCODING_BYTES + 16:
            kept.append((subject, sealed))
    if kept:
        ledger.add_references(code_id, kept)
    return len(kept)


class OfflineReferences:
    """The encodings this locker holds for a card's holder: opened only in memory, for one decision."""

    def __init__(self, ledger, api_key: str):
        self.ledger = ledger
        self._key = _derive(api_key, KEY_LABEL)
        self._api_key = api_key

    def for_card(self, id_number: str) -> list[np.ndarray]:
        encodings = []
        for code_id, sealed in self.ledger.references(subject_of(self._api_key, id_number)):
            try:
                raw = AESGCM(self._key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], code_id.encode())
            except InvalidTag:
                logger.warning("a deposit reference does not open with this locker's key; ignored")
                continue
            encodings.append(np.frombuffer(raw, dtype="<f4").astype(np.float64))
        return encodings


class LockerDecision:
    """The locker's decider: the gateway's decision (GatewayDecision) when it answers; when it cannot be reached,
    a local decision against this card holder's deposit references. Returns the gateway's token, or None for a
    local decision; raises the gateway's refusals unchanged, and a refusal keyed "no_match" locally."""

    def __init__(self, gateway_decision, references: OfflineReferences, threshold: float):
        self.gateway = gateway_decision
        self.references = references
        self.threshold = threshold

    def __call__(self, card, evidence) -> str | None:
        try:
            return self.gateway(card, evidence)
        except Exception as exc:
            if getattr(exc, "message_key", None) != "platform_unavailable":
                raise
        references = self.references.for_card(card.id_number)
        try:
            if not references or not evidence.encodings:
                raise OfflineRefused()
            # The person matches a reference when every live frame is within the threshold of it.
            worst = min(max(float(np.linalg.norm(ref - e)) for e in evidence.encodings) for ref in references)
            logger.info("offline face decision against a deposit reference: %s (distance %.3f)",
                        "matched" if worst <= self.threshold else "no match", worst)
            if worst > self.threshold:
                raise OfflineRefused()
            return None
        finally:
            for reference in references:
                reference.fill(0)

    def revoke(self, token: str) -> None:
        self.gateway.revoke(token)


class OfflineRefused(Exception):
    """No reference for this card at this locker, or the face is not the reference's."""

    message_key = "no_match"
