"""The SAM reader's wire protocol: frame building, a streaming frame parser fed bytes, and status -> completion code.

Frame: AA AA AA 96 69 | LEN_H LEN_L | body | CHK, where LEN counts every byte after itself (checksum included) and
CHK is the XOR of LEN_H through the last body byte. Host frames carry CMD PARA [data]; reader frames SW1 SW2 SW3 [data].
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import reduce

from peripherals.idcard.errors import FrameError
from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
# The longest reply PROTOCOLS.md knows is text + photo + a 1024-byte fingerprint: 3 + 6 + 256 + 1024 + 1024 + 1.
# Anything much longer is noise that happened to contain a preamble; refusing it keeps the parser from stalling.
MAX_LEN = 4096
MIN_LEN = 3  # two body bytes (CMD PARA) and the checksum; a reply needs at least 4 (SW1 SW2 SW3 CHK)

TEXT_LEN = 256
PHOTO_LEN = 1024


@dataclass(frozen=True)
class Command:
    """A host -> reader command: CMD PARA and optional data."""

    cmd: int
    para: int
    data: bytes = b""

    def frame(self) -> bytes:
        return build_frame(bytes((self.cmd, self.para)) + self.data)


RESET_SAM = Command(0x10, 0xFF)
SAM_STATUS = Command(0x11, 0xFF)
READ_SAM_ID = Command(0x12, 0xFF)
FIND_CARD = Command(0x20, 0x01)
SELECT_CARD = Command(0x20, 0x02)
READ_TEXT_PHOTO = Command(0x30, 0x01)
READ_NEWEST_ADDRESS = Command(0x30, 0x03)
READ_TEXT_PHOTO_FINGERPRINT = Command(0x30, 0x10)
BAUD_RATES = (115200, 57600, 38400, 19200, 9600)


def set_baud(baud: int) -> Command:
    """Command 60 0x switching the reader's UART to one of BAUD_RATES."""
    if baud not in BAUD_RATES:
        raise FrameError(f"unsupported baud rate {baud}; the reader knows {', '.join(map(str, BAUD_RATES))}")
    return Command(0x60, BAUD_RATES.index(baud))


# -- status bytes -------------------------------------------------------------------------------------------------
SUCCESS = 0x90
FIND_SUCCESS = 0x9F
NO_CARD = 0x80
SELECT_FAILED = 0x81
READ_FAILED = 0x41
NO_CONTENT = 0x91
CHECKSUM_ERROR = 0x10
LENGTH_ERROR = 0x11
COMMAND_ERROR = 0x21

_STATUS: dict[int, tuple[str, CompletionCode]] = {
    0x90: ("success", CompletionCode.SUCCESS),
    0x9F: ("find card success", CompletionCode.SUCCESS),
    0x10: ("checksum error", CompletionCode.HARDWARE_ERROR),
    0x11: ("length error", CompletionCode.HARDWARE_ERROR),
    0x21: ("command error", CompletionCode.UNSUPPORTED),
    0x24: ("unknown error", CompletionCode.HARDWARE_ERROR),
    0x31: ("card failed to authenticate the reader", CompletionCode.USER_ERROR),
    0x32: ("reader failed to authenticate the card", CompletionCode.USER_ERROR),
    0x33: ("information check error", CompletionCode.INVALID_DATA),
    0x40: ("wrong card type", CompletionCode.USER_ERROR),
    0x41: ("read failed", CompletionCode.USER_ERROR),
    0x47: ("random number failed", CompletionCode.HARDWARE_ERROR),
    0x60: ("self-test failed", CompletionCode.HARDWARE_ERROR),
    0x66: ("reader not authorised", CompletionCode.HARDWARE_ERROR),
    0x80: ("find card failed (no card)", CompletionCode.NO_MEDIA),
    0x81: ("select card failed", CompletionCode.USER_ERROR),
    0x91: ("item has no content", CompletionCode.NO_MEDIA),
}
RETRYABLE = frozenset({NO_CARD, SELECT_FAILED, READ_FAILED, CHECKSUM_ERROR})


def describe_status(status: int) -> str:
    """Plain English for a status byte (SW3)."""
    known = _STATUS.get(status)
    return known[0] if known else "undocumented status"


def status_completion(status: int) -> CompletionCode:
    """The completion code a command ends with for a status byte; undocumented bytes count as hardware errors."""
    known = _STATUS.get(status)
    return known[1] if known else CompletionCode.HARDWARE_ERROR


# -- frames -------------------------------------------------------------------------------------------------------
def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def build_frame(body: bytes) -> bytes:
    """Preamble, length, body, checksum. `body` is CMD PARA data (host) or SW1 SW2 SW3 data (reader)."""
    length = len(body) + 1
    if not MIN_LEN <= length <= MAX_LEN:
        raise FrameError(f"frame body of {len(body)} bytes is out of range")
    head = length.to_bytes(2, "big") + bytes(body)
    return PREAMBLE + head + bytes((xor(head),))


@dataclass(frozen=True)
class Reply:
    """A reader -> host frame."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @classmethod
    def from_body(cls, body: bytes) -> "Reply":
        if len(body) < 3:
            raise FrameError("reply too short to carry a status")
        return cls(body[0], body[1], body[2], bytes(body[3:]))

    @property
    def ok(self) -> bool:
        return self.sw3 in (SUCCESS, FIND_SUCCESS)

    def frame(self) -> bytes:
        return build_frame(bytes((self.sw1, self.sw2, self.sw3)) + self.data)


def build_reply(status: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return Reply(sw1, sw2, status, data).frame()


def text_photo_reply(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The reply to read text + photo (fingerprint None) or read text + photo + fingerprint."""
    lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is not None:
        lengths += len(fingerprint).to_bytes(2, "big")
    return build_reply(SUCCESS, lengths + text + photo + (fingerprint or b""))


def split_text_photo(reply: Reply, with_fingerprint: bool = False) -> tuple[bytes, bytes, bytes]:
    """(text, photo, fingerprint) from a successful read reply, checking the declared lengths add up."""
    data = reply.data
    n = 6 if with_fingerprint else 4
    if len(data) < n:
        raise FrameError("read reply too short for its length fields")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if n + text_len + photo_len + fp_len != len(data):
        raise FrameError("read reply lengths do not add up")
    if text_len != TEXT_LEN:
        raise FrameError(f"text block of {text_len} bytes; {TEXT_LEN} expected")
    text = data[n:n + text_len]
    photo = data[n + text_len:n + text_len + photo_len]
    return bytes(text), bytes(photo), bytes(data[n + text_len + photo_len:])


class FrameParser:
    """Streaming frame parser: feed() it any bytes, get back the bodies of complete, checksum-valid frames.

    Noise before a preamble is skipped. A frame with a bad checksum or an impossible length is dropped and the
    search restarts one byte after its preamble, so a real frame hidden behind a partial one is still found.
    """

    def __init__(self):
        self._buf = bytearray()  # bounded: it never holds more than one frame's worth (7 + MAX_LEN bytes)
        self.corrupt_frames = 0  # bad checksum or length: the driver retries instead of waiting for a timeout
        self.skipped_bytes = 0

    def reset(self) -> None:
        self._buf.clear()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        bodies: list[bytes] = []
        buf = self._buf
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the start of a preamble split across two reads.
                keep = 0
                for k in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
                    if buf.endswith(PREAMBLE[:k]):
                        keep = k
                        break
                self.skipped_bytes += len(buf) - keep
                del buf[:len(buf) - keep]
                break
            if start:
                self.skipped_bytes += start
                del buf[:start]
            if len(buf) < 7:
                break
            length = int.from_bytes(buf[5:7], "big")
            if not MIN_LEN <= length <= MAX_LEN:
                self.corrupt_frames += 1
                self.skipped_bytes += 1
                del buf[:1]
                continue
            end = 7 + length
            if len(buf) < end:
                later = self._complete_frame_after_partial(buf)
                if later:
                    # A frame cut short (card lifted, line dropped) followed by a whole frame: give up the first.
                    self.corrupt_frames += 1
                    self.skipped_bytes += later
                    del buf[:later]
                    continue
                break
            if xor(buf[5:end - 1]) != buf[end - 1]:
                self.corrupt_frames += 1
                self.skipped_bytes += 1
                del buf[:1]
                continue
            bodies.append(bytes(buf[7:end - 1]))
            del buf[:end]
        return bodies

    @staticmethod
    def _complete_frame_after_partial(buf: bytearray) -> int:
        """Offset of a later preamble that starts a whole, valid frame ending exactly at the buffer's end, else 0.

        Only a frame that ends where the buffer ends counts: the bytes of a frame still arriving never do, except
        by a 1 in 2**48 coincidence of preamble and checksum inside its data.
        """
        i = buf.find(PREAMBLE, 1)
        while i > 0:
            if len(buf) - i >= 7 + MIN_LEN:
                length = int.from_bytes(buf[i + 5:i + 7], "big")
                end = i + 7 + length
                if MIN_LEN <= length <= MAX_LEN and end == len(buf) and xor(buf[i + 5:end - 1]) == buf[end - 1]:
                    return i
            i = buf.find(PREAMBLE, i + 1)
        return 0
