"""Hypothesis fuzzing of both board-to-host stream parsers: any bytes, any chunking, only checked frames out."""
from hypothesis import given, settings, strategies as st

from peripherals.locker import eight_a, kerong
from peripherals.locker.eight_a import EightAParser, EightAProtocol
from peripherals.locker.errors import LockerError
from peripherals.locker.kerong import KerongParser, KerongProtocol

chunks = st.lists(st.binary(min_size=0, max_size=40), max_size=30)
# Bytes near the frame markers make collisions (and so the resync paths) far likelier than uniform noise.
marker_heavy = st.lists(st.lists(st.sampled_from([0x02, 0x03, 0x35, 0x30, 0x80, 0x8A, 0x82, 0x33, 0x11, 0x00,
                                                  0x01, 0xFF]), max_size=40).map(bytes), max_size=30)


def _check_kerong(parts):
    parser, protocol = KerongParser(), KerongProtocol()
    for part in parts:
        for frame in parser.feed(part):
            raw = frame.raw
            assert len(raw) == 9 and raw[0] == 0x02 and raw[2] == 0x35 and raw[7] == 0x03
            assert raw[8] == kerong.checksum(raw[:8])
            try:
                assert len(protocol.decode_status(frame)) == 16
            except LockerError:
                pass
        assert len(parser._buffer) <= parser.MAX_BUFFER


def _check_eight_a(parts, expect_bitmap):
    parser, protocol = EightAParser(expect_bitmap), EightAProtocol()
    for part in parts:
        for frame in parser.feed(part):
            raw = frame.raw
            assert raw[-1] == eight_a.bcc(raw[:-1]) and len(raw) in (5, 7)
            try:
                if frame.kind == "status":
                    assert len(protocol.decode_status(frame)) == 24
                elif frame.kind == "open_reply":
                    protocol.open_reply_says_open(frame, frame.lock)
                elif frame.kind == "report":
                    protocol.report_closed(frame)
            except LockerError:
                pass
        assert len(parser._buffer) <= parser.MAX_BUFFER


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_kerong_parser_random_bytes(parts):
    _check_kerong(parts)


@settings(max_examples=300, deadline=None)
@given(marker_heavy)
def test_kerong_parser_marker_bytes(parts):
    _check_kerong(parts)


@settings(max_examples=300, deadline=None)
@given(chunks, st.booleans())
def test_eight_a_parser_random_bytes(parts, expect_bitmap):
    _check_eight_a(parts, expect_bitmap)


@settings(max_examples=300, deadline=None)
@given(marker_heavy, st.booleans())
def test_eight_a_parser_marker_bytes(parts, expect_bitmap):
    _check_eight_a(parts, expect_bitmap)


# Noise without any frame-start byte cannot hide a frame: the frame after it must always come out.
kerong_noise = st.binary(max_size=60).map(lambda b: bytes(x for x in b if x != 0x02))
eight_a_noise = st.binary(max_size=60).map(lambda b: bytes(x for x in b if x not in (0x80, 0x8A, 0x82)))


@settings(max_examples=200, deadline=None)
@given(kerong_noise, st.integers(0, 0xEF), st.binary(min_size=4, max_size=4), st.integers(1, 8))
def test_kerong_frame_after_noise_is_found(noise, addr, data, step):
    frame = kerong.status_reply(addr, *data)
    stream = noise + frame
    parser = KerongParser()
    out = []
    for i in range(0, len(stream), step):
        out += parser.feed(stream[i:i + step])
    assert [f.raw for f in out] == [frame]


@settings(max_examples=200, deadline=None)
@given(eight_a_noise, st.integers(1, 255), st.integers(0, 0xFFFFFF), st.integers(1, 8))
def test_eight_a_bitmap_after_noise_is_found(noise, board, bits, step):
    frame = eight_a.bitmap_reply(board, bits)
    stream = noise + frame
    parser = EightAParser(expect_bitmap=True)
    out = []
    for i in range(0, len(stream), step):
        out += parser.feed(stream[i:i + step])
    assert [f.raw for f in out] == [frame]
