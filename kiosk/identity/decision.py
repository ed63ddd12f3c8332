"""The gateway decides: the kiosk's face evidence and the card read go to it, and the applicant token comes back.

The card photo (1024 bytes of WLT) decodes only with the vendor's closed library, which the card-reader package
wraps as an optional plug-in (peripherals.idcard.WltDecoder); where a site has one, the decoded photo goes along as a
second reference for the gateway to compare. Nothing here keeps a reference: the kiosk never holds a portrait.
"""
from __future__ import annotations

import base64
import logging
from typing import Callable

import cv2
import numpy as np

logger = logging.getLogger(__name__)

WltDecode = Callable[[bytes], bytes]


def card_photo_jpeg(image: bytes) -> bytes | None:
    """The decoder's image (a 102x126 BMP) as a JPEG, a few KB for the request; None if it is not an image."""
    buffer = np.frombuffer(image, dtype=np.uint8)
    decoded = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if decoded is None:
        return None
    ok, jpeg = cv2.imencode(".jpg", decoded, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return jpeg.tobytes() if ok else None


class GatewayDecision:
    """The verifier's decider: (card, FaceEvidence) -> the applicant token, from POST /v1/identity-verifications.
    Raises the platform client's errors (PlatformRejected "not_verified", PlatformUnavailable) unchanged."""

    def __init__(self, platform, wlt_decode: WltDecode | None = None):
        self.platform = platform
        self.wlt_decode = wlt_decode

    def card_details(self, card) -> dict:
        details = {}
        card_type = getattr(card, "card_type", None)
        if isinstance(card_type, str) and card_type:
            details["card_type"] = card_type
        valid_to = getattr(card, "valid_to", None)
        if hasattr(valid_to, "strftime"):
            details["valid_to"] = valid_to.strftime("%Y%m%d")
        photo = getattr(card, "photo_wlt", None)
        if self.wlt_decode is not None and photo:
            try:
                image = self.wlt_decode(photo)
            except Exception as exc:  # a vendor library failing on one card: the registry portrait still decides
                logger.warning("WLT decoder failed (%s); the gateway decides on the registry portrait alone",
                               type(exc).__name__)
            else:
                jpeg = card_photo_jpeg(image) if image else None
                if jpeg:
                    details["photo"] = base64.b64encode(jpeg).decode("ascii")
        return details

    def __call__(self, card, evidence) -> str:
        return self.platform.verify_identity(card.id_number, evidence.encodings,
                                             {"passed": True, "blink": evidence.blink, "turn": evidence.turn},
                                             self.card_details(card))


    def revoke(self, token: str) -> None:
        """A token minted for an applicant who has already left: end it now rather than at its expiry."""
        try:
            self.platform.revoke_applicant_token(token)
        except Exception as exc:
            logger.warning("could not revoke an unused applicant token: %s",
                           getattr(exc, "message_key", type(exc).__name__))


def decision_from_config(config, platform) -> GatewayDecision:
    """With the card photo when config.devices.card_reader.wlt_decoder names a library."""
    reader = config.devices.card_reader
    decode = None
    if reader.enabled and reader.wlt_decoder:
        from peripherals.idcard import load_decoder  # the card-reader package owns the vendor plug-in
        decoder = load_decoder(reader.wlt_decoder, getattr(reader, "wlt_function", "unpack"))
        decode = decoder.decode if decoder is not None else None
    return GatewayDecision(platform, decode)
