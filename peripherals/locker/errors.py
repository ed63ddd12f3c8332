"""The locker package's errors; each carries a completion code so callers never see an unexplained exception."""
from __future__ import annotations

import logging

from peripherals.status import CompletionCode, DeviceError

logger = logging.getLogger(__name__)


class LockerError(DeviceError):
    """Base of every locker error."""


class AddressError(LockerError):
    """A board or lock number the wire format cannot carry; nothing was sent."""

    code = CompletionCode.INVALID_DATA


class FrameError(LockerError):
    """A frame that is not what its family's protocol allows (bad length, checksum or command)."""

    code = CompletionCode.INVALID_DATA


class BoardSilent(LockerError):
    """A board did not answer within the retries."""

    code = CompletionCode.TIMEOUT


class PortUnavailable(LockerError):
    """The serial port could not be opened (unplugged, wrong path, busy)."""

    code = CompletionCode.HARDWARE_ERROR
