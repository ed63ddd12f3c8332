"""Serial-mode framing: every suffix, the idle gap, UTF-8 and GB18030 content, and fuzzed input."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peripherals.scanner.framing import MAX_CODE_BYTES, CodeFramer, decode_code

PICKUP = "PK1.eyJjaWQiOiJhYmMifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize("suffix", [b"\r", b"\n", b"\r\n"])
def test_suffixes(suffix):
    framer = CodeFramer()
    assert framer.feed(PICKUP.encode() + suffix + b"2024-0001" + suffix, now=0.0) == [PICKUP, "2024-0001"]
    assert not framer.pending


def test_crlf_split_across_reads_gives_no_empty_code():
    framer = CodeFramer()
    assert framer.feed(b"ABC\r", 0.0) == ["ABC"]
    assert framer.feed(b"\nDEF\r", 0.001) == ["DEF"]


def test_no_suffix_ends_after_idle_gap():
    framer = CodeFramer(idle_gap_s=0.08)
    assert framer.feed(b"ABC", 1.00) == []
    assert framer.feed(b"123", 1.05) == []        # still the same code: bytes keep coming
    assert framer.flush_idle(1.10) == []          # 50 ms quiet: not yet
    assert framer.flush_idle(1.14) == ["ABC123"]  # 90 ms quiet: done


def test_gap_noticed_on_next_bytes():
    framer = CodeFramer(idle_gap_s=0.08)
    framer.feed(b"ABC", 0.0)
    assert framer.feed(b"DEF\r", 0.5) == ["ABC", "DEF"]


def test_a_pause_inside_a_code_does_not_cut_it_once_the_scanner_shows_its_suffix():
    """A busy host or a slow bridge can leave a gap mid-code; a scanner known to send CR is framed by the CR."""
    framer = CodeFramer(idle_gap_s=0.08)
    assert framer.feed(b"FIRST\r", 0.0) == ["FIRST"] and framer.suffixed
    assert framer.feed(PICKUP[:10].encode(), 1.0) == []
    assert framer.flush_idle(1.3) == []              # 300 ms quiet mid-code: still one code
    assert framer.feed(PICKUP[10:].encode() + b"\r", 1.4) == [PICKUP]
    framer.feed(b"STRAY", 2.0)
    assert framer.flush_idle(4.5) == ["STRAY"]       # a fragment never finished still ends, after a long silence


@pytest.mark.parametrize("text, encoding", [
    ("不动产权第0012345号", "utf-8"),
    ("不动产权第0012345号", "gb18030"),
    ("京(2024)朝阳区不动产权第0001号", "gb18030"),
    ("plain ASCII 123", "utf-8"),
])
def test_auto_decoding(text, encoding):
    framer = CodeFramer(encoding="auto")
    assert framer.feed(text.encode(encoding) + b"\r", 0.0) == [text]


def test_forced_encoding():
    raw = "产权".encode("gb18030")
    assert decode_code(raw, "gb18030") == "产权"
    assert decode_code(raw, "utf-8") is None


def test_undecodable_is_dropped_and_counted():
    framer = CodeFramer(encoding="utf-8")
    assert framer.feed(b"\xff\xfe\xfd\r", 0.0) == []
    assert framer.undecodable == 1


def test_overlong_run_is_dropped():
    framer = CodeFramer()
    assert framer.feed(b"A" * (MAX_CODE_BYTES + 10) + b"\r", 0.0) == ["A" * 9]
    assert framer.overlong == 1


def test_bad_encoding_name():
    with pytest.raises(ValueError, match=r"encoding must be one of utf-8, gb18030, auto"):
        CodeFramer(encoding="latin-1")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=40), st.floats(0, 0.2)), max_size=20))
def test_fuzz_framer(chunks):
    framer = CodeFramer()
    now = 0.0
    for data, gap in chunks:
        now += gap
        for code in framer.feed(data, now) + framer.flush_idle(now):
            assert code and "\r" not in code and "\n" not in code and isinstance(code, str)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)),
                        min_size=1, max_size=30), max_size=5),
       st.sampled_from([b"\r", b"\n", b"\r\n"]), st.integers(1, 9))
def test_fuzz_codes_survive_any_chunking(codes, suffix, step):
    stream = b"".join(c.encode("utf-8") + suffix for c in codes)
    framer = CodeFramer(encoding="utf-8")
    out = []
    for i in range(0, len(stream), step):
        out += framer.feed(stream[i:i + step], 0.0)
    assert out == codes
