"""The ID card reader's error types: every failure of this package is one of these, with a completion code."""
from __future__ import annotations

import logging

from peripherals.status import CompletionCode, DeviceError

logger = logging.getLogger(__name__)


class IdCardError(DeviceError):
    """Base of every error the ID card package raises. Messages never carry personal data."""


class FrameError(IdCardError):
    """A frame that cannot be built or understood (length out of range, bad checksum)."""

    code = CompletionCode.INVALID_DATA


class ChecksumError(FrameError):
    """A frame whose XOR checksum does not match: a line error, worth a retry."""


class CardDataError(IdCardError, ValueError):
    """The text block does not decode into a valid card (bad field, bad date, ID number failing its check)."""

    code = CompletionCode.INVALID_DATA


class ReaderTimeout(IdCardError):
    """The reader sent no complete reply in time."""

    code = CompletionCode.TIMEOUT


class ReaderStatusError(IdCardError):
    """The reader answered with a status byte other than success; `status` is the SW3 byte."""

    def __init__(self, status: int, message: str | None = None, code: CompletionCode | None = None):
        from peripherals.idcard.protocol import describe_status, status_completion  # avoid an import cycle

        self.status = status
        super().__init__(message or f"reader status {status:02X}: {describe_status(status)}",
                         code or status_completion(status))


class ReaderUnavailable(IdCardError):
    """The port cannot be opened or has gone away (unplugged)."""

    code = CompletionCode.HARDWARE_ERROR
