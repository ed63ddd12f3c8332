"""8A-family frames byte for byte (PROTOCOLS.md section 4), lock 0 never sent, the parser and `82` reports."""
import pytest

from peripherals.locker import eight_a
from peripherals.locker.eight_a import EightAParser, EightAProtocol
from peripherals.locker.errors import AddressError, FrameError
from peripherals.locker.protocol import Polarity


@pytest.mark.parametrize("board, lock, expected", [
    (1, 1, "8A 01 01 11 9B"),  # PROTOCOLS.md
    (1, 2, "8A 01 02 11 98"),
    (1, 24, "8A 01 18 11 82"),
    (2, 1, "8A 02 01 11 98"),
    (3, 12, "8A 03 0C 11 94"),
])
def test_open_request_bytes(board, lock, expected):
    assert EightAProtocol().open_request(board, lock) == bytes.fromhex(expected)


def test_open_all_and_queries_match_the_document():
    assert eight_a.build(eight_a.HEAD_OPEN, 1, 0, eight_a.FUNC_OPEN) == bytes.fromhex("8A 01 00 11 9A")
    assert eight_a.build(eight_a.HEAD_QUERY, 1, 1, eight_a.FUNC_QUERY) == bytes.fromhex("80 01 01 33 B3")
    assert EightAProtocol().status_request(1) == bytes.fromhex("80 01 00 33 B2")


@pytest.mark.parametrize("lock", [0, 25, -1, 256])
def test_lock_zero_opens_everything_so_it_is_refused(lock):
    with pytest.raises(AddressError, match=rf"^8A lock {lock} out of range 1\.\.24$"):
        EightAProtocol().open_request(1, lock)


@pytest.mark.parametrize("board", [0, 256, -1])
def test_board_out_of_range_refused(board):
    with pytest.raises(AddressError, match=rf"^8A board {board} out of range 1\.\.255$"):
        EightAProtocol().status_request(board)


@pytest.mark.parametrize("raw, kind, board, lock, state", [
    ("8A 01 01 00 8A", "open_reply", 1, 1, 0x00),  # done
    ("8A 01 01 11 9B", "open_reply", 1, 1, 0x11),  # failed
    ("80 01 01 00 80", "lock_state", 1, 1, 0x00),  # open
    ("80 01 01 11 91", "lock_state", 1, 1, 0x11),  # closed
    ("82 02 05 11 94", "report", 2, 5, 0x11),
])
def test_parser_single_frames(raw, kind, board, lock, state):
    frames = EightAParser(expect_bitmap=False).feed(bytes.fromhex(raw))
    assert len(frames) == 1
    f = frames[0]
    assert (f.kind, f.board, f.lock, f.data) == (kind, board, lock, bytes([state]))


def test_open_reply_meaning_and_inverted_boards():
    done = EightAParser(False).feed(bytes.fromhex("8A 01 01 00 8A"))[0]
    failed = EightAParser(False).feed(bytes.fromhex("8A 01 01 11 9B"))[0]
    assert EightAProtocol().open_reply_says_open(done, 1) is True
    assert EightAProtocol().open_reply_says_open(failed, 1) is False
    inverted = EightAProtocol(Polarity(hook_closed_bit=0))
    assert inverted.open_reply_says_open(done, 1) is False
    assert inverted.open_reply_says_open(failed, 1) is True


def test_bitmap_reply_observed_capture():
    # `80 01 01 01 01 33 B3`: doors 1, 9 and 17 closed, the rest open (an observed 24-lock board capture).
    frames = EightAParser().feed(bytes.fromhex("80 01 01 01 01 33 B3"))
    locks = EightAProtocol().decode_status(frames[0])
    assert len(locks) == 24
    assert [s.lock for s in locks if s.door_closed] == [1, 9, 17]
    assert all(s.item_present is None for s in locks)


def test_bitmap_builder_roundtrip():
    raw = eight_a.bitmap_reply(3, 0b1000_0000_0000_0000_0000_0101)
    locks = EightAProtocol().decode_status(EightAParser().feed(raw)[0])
    assert [s.lock for s in locks if s.door_closed] == [1, 3, 24]


def test_parser_resynchronises_on_unsolicited_reports_and_noise():
    bitmap = eight_a.bitmap_reply(1, 0xFFFFFF)
    report = bytes.fromhex("82 01 05 00 86")
    stream = b"\x00\x8a\x01" + report + b"\x80\x80\xff" + report + bitmap + b"\x82\x01"
    parser = EightAParser()
    frames = parser.feed(stream)
    assert [f.kind for f in frames] == ["report", "report", "status"]
    assert frames[2].raw == bitmap


def test_parser_split_anywhere():
    stream = bytes.fromhex("82 01 05 00 86") + eight_a.bitmap_reply(1, 0x123456) + bytes.fromhex("8A 01 01 00 8A")
    for cut in range(1, len(stream)):
        parser = EightAParser()
        frames = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert [f.kind for f in frames] == ["report", "status", "open_reply"], cut


def test_bitmap_whose_head_also_checks_as_a_short_frame():
    # 80 01 00 81 00 33 xx: the first five bytes XOR to a valid query-one shape only if lock != 0, so use lock bits
    raw = eight_a.bitmap_reply(1, (0x01 << 16) | (0x00 << 8) | 0x80)  # 80 01 01 00 80 33 B3
    assert raw[:5] == bytes.fromhex("80 01 01 00 80")
    assert [f.kind for f in EightAParser(expect_bitmap=True).feed(raw)] == ["status"]
    # a query-one reply followed by unrelated bytes is still taken when no bitmap is awaited
    assert [f.kind for f in EightAParser(expect_bitmap=False).feed(raw[:5])] == ["lock_state"]


@pytest.mark.parametrize("raw, problem", [("8A 01 01 11 9A", r"^8A BCC wrong$"),
                                          ("81 01 01 11 91", r"^8A request must be 5 bytes starting 8A or 80$"),
                                          ("8A 01 01 11", r"^8A request must be 5 bytes starting 8A or 80$")])
def test_request_check_refuses_bad_frames(raw, problem):
    with pytest.raises(FrameError, match=problem):
        eight_a.parse_request(bytes.fromhex(raw))


def test_state_byte_other_than_00_or_11_is_a_frame_error():
    with pytest.raises(FrameError, match=r"8A state byte 05 is neither 00 nor 11"):
        eight_a.state_bit(0x05)


def test_replies_for_another_board_or_lock_are_never_taken():
    protocol = EightAProtocol()
    reply = EightAParser(False).feed(bytes.fromhex("8A 01 01 00 8A"))[0]
    assert protocol.open_reply_matches(reply, 1, 1)
    assert not protocol.open_reply_matches(reply, 1, 2) and not protocol.open_reply_matches(reply, 2, 1)
    bitmap = EightAParser().feed(eight_a.bitmap_reply(2, 0))[0]
    assert protocol.status_reply_matches(bitmap, 2) and not protocol.status_reply_matches(bitmap, 1)
    report = EightAParser(False).feed(bytes.fromhex("82 01 01 00 82"))[0]
    assert not protocol.open_reply_matches(report, 1, 1) and not protocol.status_reply_matches(report, 1)
