"""Frame bytes exactly as PROTOCOLS.md gives them, status -> completion codes, and the streaming parser's resync."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peripherals.idcard import protocol as p
from peripherals.idcard.errors import FrameError
from peripherals.status import CompletionCode


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize("command, wire", [
    (p.RESET_SAM, "AA AA AA 96 69 00 03 10 FF EC"),
    (p.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    (p.READ_SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
    (p.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),   # not 21, as some published samples have it
    (p.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
    (p.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
    (p.READ_NEWEST_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    (p.READ_TEXT_PHOTO_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
])
def test_command_frames(command, wire):
    assert command.frame() == h(wire)


def test_baud_commands():
    assert p.set_baud(115200) == p.Command(0x60, 0x00)
    assert p.set_baud(9600) == p.Command(0x60, 0x04)
    with pytest.raises(FrameError, match=r"unsupported baud rate 4800"):
        p.set_baud(4800)


KNOWN_REPLIES = [
    ("generic OK", "AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
    ("find OK", "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),
    ("no card", "AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
    ("select OK", "AA AA AA 96 69 00 0C 00 00 90" + " 00" * 8 + " 9C", 0x90, bytes(8)),
    ("select failed", "AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),
    ("read failed", "AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),
]


@pytest.mark.parametrize("what, wire, status, data", KNOWN_REPLIES, ids=[r[0] for r in KNOWN_REPLIES])
def test_known_replies_build_and_parse(what, wire, status, data):
    assert p.build_reply(status, data) == h(wire)
    bodies = p.FrameParser().feed(h(wire))
    assert [p.Reply.from_body(b) for b in bodies] == [p.Reply(0, 0, status, data)]


def test_read_reply_layout():
    text, photo = bytes(range(256)), bytes(1024)
    frame = p.text_photo_reply(text, photo)
    assert len(frame) == 1295
    assert frame[:14] == h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    assert frame[14:14 + 256] == text
    reply = p.Reply.from_body(p.FrameParser().feed(frame)[0])
    assert p.split_text_photo(reply) == (text, photo, b"")


def test_read_reply_with_fingerprint_layout():
    text, photo, fp = bytes(256), bytes(1024), b"\x07" * 512
    frame = p.text_photo_reply(text, photo, fp)
    assert frame[10:16] == h("01 00 04 00 02 00")
    assert frame[16:16 + 256] == text   # text starts at byte 16 with a fingerprint
    reply = p.Reply.from_body(p.FrameParser().feed(frame)[0])
    assert p.split_text_photo(reply, with_fingerprint=True) == (text, photo, fp)


def test_read_reply_lengths_must_add_up():
    reply = p.Reply(0, 0, 0x90, h("01 00 04 00") + bytes(100))
    with pytest.raises(FrameError, match=r"read reply lengths do not add up"):
        p.split_text_photo(reply)


STATUSES = {  # every status byte of PROTOCOLS.md and the completion code a command ends with
    0x90: CompletionCode.SUCCESS, 0x9F: CompletionCode.SUCCESS, 0x10: CompletionCode.HARDWARE_ERROR,
    0x11: CompletionCode.HARDWARE_ERROR, 0x21: CompletionCode.UNSUPPORTED, 0x24: CompletionCode.HARDWARE_ERROR,
    0x31: CompletionCode.USER_ERROR, 0x32: CompletionCode.USER_ERROR, 0x33: CompletionCode.INVALID_DATA,
    0x40: CompletionCode.USER_ERROR, 0x41: CompletionCode.USER_ERROR, 0x47: CompletionCode.HARDWARE_ERROR,
    0x60: CompletionCode.HARDWARE_ERROR, 0x66: CompletionCode.HARDWARE_ERROR, 0x80: CompletionCode.NO_MEDIA,
    0x81: CompletionCode.USER_ERROR, 0x91: CompletionCode.NO_MEDIA,
}


@pytest.mark.parametrize("status, code", sorted(STATUSES.items()))
def test_status_completion_codes(status, code):
    assert p.status_completion(status) == code
    assert p.describe_status(status) != "undocumented status"


def test_undocumented_status_is_a_hardware_error():
    assert p.status_completion(0x55) == CompletionCode.HARDWARE_ERROR
    assert p.describe_status(0x55) == "undocumented status"


# -- the streaming parser -----------------------------------------------------------------------------------------
OK = h("AA AA AA 96 69 00 04 00 00 90 94")
NO_CARD = h("AA AA AA 96 69 00 04 00 00 80 84")
FIND_OK = h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")


def feed_all(parser, chunks):
    out = []
    for chunk in chunks:
        out += parser.feed(chunk)
    return out


def test_byte_at_a_time():
    parser = p.FrameParser()
    assert feed_all(parser, [bytes([b]) for b in FIND_OK + OK]) == [h("00 00 9F 00 00 00 00"), h("00 00 90")]
    assert parser.pending == 0


def test_noise_before_preamble_is_skipped():
    parser = p.FrameParser()
    assert parser.feed(h("00 FF AA AA 96 AA 13") + OK) == [h("00 00 90")]
    assert parser.skipped_bytes == 7


def test_extra_preamble_byte():
    assert p.FrameParser().feed(h("AA") + OK) == [h("00 00 90")]


def test_bad_checksum_dropped_then_next_frame_found():
    parser = p.FrameParser()
    bad = OK[:-1] + b"\x00"
    assert parser.feed(bad + NO_CARD) == [h("00 00 80")]
    assert parser.corrupt_frames == 1


def test_impossible_length_dropped():
    parser = p.FrameParser()
    assert parser.feed(h("AA AA AA 96 69 FF FF 00") + OK) == [h("00 00 90")]
    assert parser.corrupt_frames == 1


def test_partial_frame_then_whole_frame():
    """A read reply cut short (card lifted) followed by the next reply: the next reply is not lost."""
    parser = p.FrameParser()
    partial = p.text_photo_reply(bytes(256), bytes(1024))[:300]
    assert parser.feed(partial) == []
    assert parser.feed(NO_CARD) == [h("00 00 80")]
    assert parser.corrupt_frames == 1


def test_preamble_split_across_feeds():
    parser = p.FrameParser()
    assert parser.feed(b"\x01\x02" + OK[:3]) == []
    assert parser.feed(OK[3:]) == [h("00 00 90")]


def test_host_frames_parse_too():
    assert p.FrameParser().feed(p.FIND_CARD.frame()) == [h("20 01")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=64), st.sampled_from([OK, NO_CARD, FIND_OK, p.PREAMBLE,
                                                                    p.PREAMBLE + h("00"), OK[:-1]])),
                max_size=30))
def test_fuzz_parser_never_fails_and_only_yields_valid_frames(chunks):
    parser = p.FrameParser()
    for body in feed_all(parser, chunks):
        # every body it yields had a correct checksum: rebuilding its frame reproduces the bytes
        assert p.build_frame(body) in b"".join(chunks)
    assert parser.pending <= 7 + p.MAX_LEN


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=40), st.lists(st.sampled_from([OK, NO_CARD, FIND_OK]), min_size=1, max_size=5),
       st.integers(min_value=1, max_value=7))
def test_fuzz_noise_then_frames_are_all_recovered(noise, frames, step):
    """Noise without a preamble in it, then whole frames in chunks of any size: every frame comes out."""
    noise = noise.replace(b"\xAA", b"\x00")
    stream = noise + b"".join(frames)
    parser = p.FrameParser()
    bodies = feed_all(parser, [stream[i:i + step] for i in range(0, len(stream), step)])
    assert bodies == [f[7:-1] for f in frames]
