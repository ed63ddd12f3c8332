"""Kerong frames byte for byte (PROTOCOLS.md section 4), addressing, status decoding and the stream parser."""
import pytest

from peripherals.locker import kerong
from peripherals.locker.errors import AddressError, FrameError
from peripherals.locker.kerong import KerongParser, KerongProtocol
from peripherals.locker.model import Frame
from peripherals.locker.protocol import Polarity


@pytest.mark.parametrize("board, expected", [
    (0, "02 00 30 03 35"),  # PROTOCOLS.md
    (1, "02 10 30 03 45"),
    (2, "02 20 30 03 55"),
    (14, "02 E0 30 03 15"),
])
def test_status_request_bytes(board, expected):
    assert KerongProtocol().status_request(board) == bytes.fromhex(expected)


@pytest.mark.parametrize("board, lock, expected", [
    (0, 1, "02 00 31 03 36"),  # PROTOCOLS.md
    (0, 2, "02 01 31 03 37"),
    (0, 16, "02 0F 31 03 45"),
    (1, 1, "02 10 31 03 46"),
    (1, 16, "02 1F 31 03 55"),
    (3, 5, "02 34 31 03 6A"),
])
def test_unlock_request_bytes(board, lock, expected):
    assert KerongProtocol().open_request(board, lock) == bytes.fromhex(expected)


@pytest.mark.parametrize("board, lock, addr", [(0, 1, 0x00), (0, 16, 0x0F), (1, 1, 0x10), (2, 3, 0x22),
                                               (14, 16, 0xEF)])
def test_address_is_board_high_nibble_lock_minus_one_low(board, lock, addr):
    assert kerong.address(board, lock) == addr


def test_every_lock_of_every_board_has_its_own_address():
    seen = {kerong.address(b, n) for b in range(15) for n in range(1, 17)}
    assert len(seen) == 15 * 16 and kerong.BROADCAST not in seen


@pytest.mark.parametrize("board, lock, problem", [
    (0, 0, r"^kerong lock 0 out of range 1\.\.16$"), (0, 17, r"^kerong lock 17 out of range 1\.\.16$"),
    (15, 1, r"^kerong board 15 out of range 0\.\.14$"), (-1, 1, r"^kerong board -1 out of range 0\.\.14$"),
    (0, -1, r"^kerong lock -1 out of range 1\.\.16$"), (16, 1, r"^kerong board 16 out of range 0\.\.14$")])
def test_unaddressable_lock_is_refused(board, lock, problem):
    with pytest.raises(AddressError, match=problem) as info:
        KerongProtocol().open_request(board, lock)
    assert info.value.code == "invalid_data"


def test_cu12_board_refuses_lock_13():
    with pytest.raises(AddressError, match=r"^kerong lock 13 out of range 1\.\.12$"):
        KerongProtocol(locks_per_board=12).open_request(0, 13)


def test_checksum_is_low_byte_of_sum():
    assert kerong.checksum(bytes.fromhex("02 00 30 03")) == 0x35
    assert kerong.checksum(b"\xff\xff") == 0xFE


def test_status_reply_frame():
    raw = kerong.status_reply(0x00, 0xFF, 0xFF, 0x00, 0x00)
    assert raw == bytes.fromhex("02 00 35 FF FF 00 00 03 38")


def _decode(raw, polarity=Polarity()):
    frames = KerongParser().feed(raw)
    assert len(frames) == 1
    return KerongProtocol(polarity).decode_status(frames[0])


def test_decode_status_bits_per_lock():
    # locks 1..8 hook bits 0b1111_1110: lock 1 open, others closed; lock 9..16 all closed; item in lock 3 and 16.
    locks = _decode(kerong.status_reply(0x10, 0xFE, 0xFF, 0x04, 0x80))
    assert len(locks) == 16 and all(s.board == 1 for s in locks)
    assert [s.lock for s in locks] == list(range(1, 17))
    assert not locks[0].door_closed and all(s.door_closed for s in locks[1:])
    assert [s.lock for s in locks if s.item_present] == [3, 16]


def test_decode_status_inverted_polarity():
    locks = _decode(kerong.status_reply(0x00, 0x01, 0x00, 0xFE, 0xFF), Polarity(hook_closed_bit=0,
                                                                                 item_present_bit=0))
    assert locks[0].door_closed is False
    assert all(s.door_closed for s in locks[1:])
    assert [s.lock for s in locks if s.item_present] == [1]


def test_parser_takes_frames_split_anywhere():
    raw = kerong.status_reply(0x20, 1, 2, 3, 4) * 2
    for cut in range(1, len(raw)):
        parser = KerongParser()
        frames = parser.feed(raw[:cut]) + parser.feed(raw[cut:])
        assert [f.board for f in frames] == [2, 2]
        assert frames[0].data == bytes([1, 2, 3, 4])


def test_parser_resynchronises_after_noise_and_bad_checksum():
    good = kerong.status_reply(0x00, 0xAA, 0x55, 0, 0)
    bad = bytearray(good)
    bad[-1] ^= 0xFF
    stream = b"\x02\x02\x00" + bytes(bad) + b"\xff\x03garbage" + good + b"\x02\x00\x30\x03\x35" + good
    parser = KerongParser()
    frames = parser.feed(stream)
    assert len(frames) == 2 and all(f.raw == good for f in frames)
    assert parser.dropped > 0


def test_parser_skips_own_request_echo():
    good = kerong.status_reply(0x00, 0, 0, 0, 0)
    assert [f.raw for f in KerongParser().feed(bytes.fromhex("02 00 31 03 36") + good)] == [good]


def test_frame_with_stx_inside_noise_is_found():
    good = kerong.status_reply(0x00, 0x02, 0x02, 0x02, 0x02)
    frames = KerongParser().feed(b"\x02\x35" + good)
    assert [f.raw for f in frames] == [good]


@pytest.mark.parametrize("raw, problem", [
    ("02 00 30 03 36", r"^kerong checksum wrong$"), ("02 00 30 04 36", r"^kerong frame length or ETX wrong$"),
    ("02 00 99 03 9E", r"^kerong command 99 unknown$"), ("02 00 31", r"^kerong frame too short or no STX$")])
def test_simulator_side_request_check_refuses_bad_frames(raw, problem):
    with pytest.raises(FrameError, match=problem):
        kerong.parse_request(bytes.fromhex(raw))


def test_decode_refuses_short_data():
    with pytest.raises(FrameError, match=r"kerong status needs 4 data bytes"):
        KerongProtocol().decode_status(Frame("status", 0, 1, b"\x00"))


def test_a_reply_from_another_board_is_never_taken_for_this_one():
    protocol = KerongProtocol()
    other = KerongParser().feed(kerong.status_reply(0x00, 0, 0, 0, 0))[0]
    assert protocol.status_reply_matches(other, 0) and not protocol.status_reply_matches(other, 1)
    assert not protocol.open_reply_matches(other, 1, 1)
