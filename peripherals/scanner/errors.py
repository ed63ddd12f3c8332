"""The QR scanner's error types."""
from __future__ import annotations

import logging

from peripherals.status import CompletionCode, DeviceError

logger = logging.getLogger(__name__)


class ScannerError(DeviceError):
    """Base of every error the scanner package raises. Messages never carry a code's content."""


class ScannerUnavailable(ScannerError):
    """The port or input device cannot be opened, or has gone away."""

    code = CompletionCode.HARDWARE_ERROR
