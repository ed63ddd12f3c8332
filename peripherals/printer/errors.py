"""Errors of the printer package; each carries a completion code so a caller never gets an unexplained exception."""
from __future__ import annotations

import logging

from peripherals.status import CompletionCode, DeviceError

logger = logging.getLogger(__name__)


class PrinterError(DeviceError):
    """Base of every printer error."""


class PrinterNotAnswering(PrinterError):
    """The printer did not answer a status query in time (off, unplugged, wrong port or baud)."""

    code = CompletionCode.TIMEOUT


class PrinterUnreachable(PrinterError):
    """The connection to the printer could not be opened or broke while writing."""

    code = CompletionCode.HARDWARE_ERROR


class PrinterBadReply(PrinterError):
    """The printer answered with bytes that are not an ESC/POS status byte."""

    code = CompletionCode.HARDWARE_ERROR


class PrinterUnavailable(PrinterError):
    """The printer is in a state in which it cannot print (paper out, cover open, cutter jammed)."""


class UnsupportedOperation(PrinterError):
    code = CompletionCode.UNSUPPORTED


class InvalidPrinterUrl(PrinterError):
    code = CompletionCode.INVALID_DATA
