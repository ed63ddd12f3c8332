"""Optional WLT photo decoding through the vendor's closed library (ctypes); without it the photo stays WLT bytes.

The common Linux library (libwlt.so / libDecodeWlt.so) exports `int unpack(char *wlt, unsigned char *bmp, int save)`
writing a 102x126 24-bit BMP (38862 bytes with its header) and returning 1 on success. Library path and function name
come from config because vendors differ; nothing here is verified against every vendor's build.
"""
from __future__ import annotations

import ctypes
import logging
from pathlib import Path

from peripherals.idcard.errors import IdCardError
from peripherals.idcard.protocol import PHOTO_LEN
from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)

PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126
BMP_HEADER_LEN = 54
BMP_LEN = BMP_HEADER_LEN + PHOTO_WIDTH * PHOTO_HEIGHT * 3  # 38610; vendors ask for a slightly larger buffer
_BUFFER_LEN = 38862


class WltDecoderError(IdCardError):
    """The decoder library is missing, lacks the function, or refused the photo."""

    code = CompletionCode.UNSUPPORTED


class WltDecoder:
    """Loads the vendor library once; decode() turns 1024 WLT bytes into BMP bytes."""

    def __init__(self, library: str | Path, function: str = "unpack"):
        self.library = Path(library)
        try:
            self._lib = ctypes.CDLL(str(self.library))
        except OSError:
            raise WltDecoderError(f"WLT decoder library {self.library.name} cannot be loaded") from None
        try:
            self._fn = getattr(self._lib, function)
        except AttributeError:
            raise WltDecoderError(f"WLT decoder library {self.library.name} has no function {function}") from None
        self._fn.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
        self._fn.restype = ctypes.c_int

    def decode(self, wlt: bytes) -> bytes:
        """BMP bytes of the photo (never written to disk: the third argument asks the library not to save)."""
        if len(wlt) != PHOTO_LEN:
            raise WltDecoderError(f"a WLT photo is {PHOTO_LEN} bytes, got {len(wlt)}",
                                  CompletionCode.INVALID_DATA)
        out = ctypes.create_string_buffer(_BUFFER_LEN)
        result = self._fn(bytes(wlt), out, 0)
        if result != 1:
            raise WltDecoderError(f"WLT decoder returned {result}", CompletionCode.INVALID_DATA)
        bmp = out.raw[:BMP_LEN]
        if bmp[:2] != b"BM":
            raise WltDecoderError("WLT decoder output is not a BMP", CompletionCode.INVALID_DATA)
        return bmp


def load_decoder(library: str | Path | None, function: str = "unpack") -> WltDecoder | None:
    """The decoder named in config, or None when none is configured (the platform portrait is used instead)."""
    if not library:
        return None
    return WltDecoder(library, function)
