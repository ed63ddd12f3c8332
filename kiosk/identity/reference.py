"""Where the reference portrait comes from: the card photo through a vendor WLT decoder, else the platform's portrait.

The WLT format (the card's 1024-byte photo) decodes only with the vendor's closed library, which the card-reader
package wraps as an optional plug-in (peripherals.idcard.WltDecoder). Without it, or when it fails on a card, the
platform's portrait for the ID number is the reference. Portrait bytes are returned in memory, never saved.
"""
from __future__ import annotations

import logging
from typing import Callable

logger = logging.getLogger(__name__)

WltDecode = Callable[[bytes], bytes]


class PortraitSource:
    """Callable card -> portrait image bytes or None; the face verifier's reference provider."""

    def __init__(self, platform=None, wlt_decode: WltDecode | None = None):
        self.platform = platform
        self.wlt_decode = wlt_decode

    def __call__(self, card) -> bytes | None:
        photo = getattr(card, "photo_wlt", None)
        if self.wlt_decode is not None and photo:
            try:
                image = self.wlt_decode(photo)
            except Exception as exc:  # a vendor library failing on one card must not stop the platform fallback
                logger.warning("WLT decoder failed (%s); using the platform portrait", type(exc).__name__)
            else:
                if image:
                    return image
        if self.platform is None:
            return None
        # PlatformUnavailable / PlatformRejected propagate with their message_key; the verifier reports it.
        return self.platform.reference_portrait(card.id_number)


def portrait_source_from_config(config, platform) -> PortraitSource:
    """The card photo when config.devices.card_reader.wlt_decoder names a library, else the platform portrait."""
    reader = config.devices.card_reader
    decode = None
    if reader.enabled and reader.wlt_decoder:
        from peripherals.idcard import load_decoder  # the card-reader package owns the vendor plug-in
        decoder = load_decoder(reader.wlt_decoder, getattr(reader, "wlt_function", "unpack"))
        decode = decoder.decode if decoder is not None else None
    return PortraitSource(platform, decode)
