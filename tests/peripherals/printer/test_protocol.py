"""The ESC/POS stream parser: commands, lengths inside commands, chunked input, and garbage."""
from hypothesis import given, settings, strategies as st

from kiosk.documents.receipts import sample_payment_receipt
from peripherals.printer.commands import build_job
from peripherals.printer.protocol import Command, EscposParser, TextRun, merge_text


def test_tokens_of_a_small_job():
    tokens = EscposParser().feed(b"\x1b@\x1ba\x01\x1c&\xca\xd5\xbe\xdd\n\x1d(k\x03\x001Q0\x10\x04\x04\x1dVB\x00")
    assert [t if isinstance(t, TextRun) else (t.name, t.params, t.payload) for t in tokens] == [
        ("ESC @", b"", b""), ("ESC a", b"\x01", b""), ("FS &", b"", b""), TextRun(b"\xca\xd5\xbe\xdd"),
        ("LF", b"", b""), ("GS ( k", b"\x03\x00", b"1Q0"), ("DLE 0x04", b"\x04", b""), ("GS V", b"B\x00", b""),
    ]


def test_tab_stops_run_to_their_nul():
    tokens = EscposParser().feed(b"\x1bD\x08\x2a\x00AB\tC\n")
    assert [t if isinstance(t, TextRun) else (t.name, t.params) for t in tokens] == [
        ("ESC D", b"\x08\x2a"), TextRun(b"AB"), ("HT", b""), TextRun(b"C"), ("LF", b"")]
    parser = EscposParser()
    assert parser.feed(b"\x1bD\x08") == [] and parser.pending == 3
    runaway = EscposParser().feed(b"\x1bD" + bytes(range(1, 40)))  # no NUL: a printer stops at 32 stops
    assert runaway[0].name == "ESC D" and len(runaway[0].params) == 32


def test_raster_image_payload_is_taken_whole_even_if_it_holds_control_bytes():
    image = b"\x1dv0\x00\x01\x00\x02\x00" + b"\x10\x04"  # 1 byte wide, 2 rows; the data looks like DLE EOT
    tokens = EscposParser().feed(image + b"\n")
    assert tokens[0].name == "GS v 0" and tokens[0].payload == b"\x10\x04"
    assert tokens[1].name == "LF"


def test_incomplete_command_waits_for_the_rest():
    parser = EscposParser()
    assert parser.feed(b"\x1d(k\x03\x00") == []
    assert parser.pending == 5
    assert parser.feed(b"1Q0")[0].payload == b"1Q0"


def test_raw_bytes_of_every_command_rebuild_the_stream():
    job = build_job(sample_payment_receipt())
    tokens = EscposParser().feed(job)
    assert b"".join(t.data if isinstance(t, TextRun) else t.raw for t in tokens) == job


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 64), max_size=40))
def test_chunked_feeding_gives_the_same_tokens(cuts):
    job = build_job(sample_payment_receipt())
    whole = merge_text(EscposParser().feed(job))
    parser, tokens, pos = EscposParser(), [], 0
    for size in cuts:
        tokens += parser.feed(job[pos:pos + size])
        pos += size
    tokens += parser.feed(job[pos:])
    assert merge_text(tokens) == whole and parser.pending == 0


@settings(deadline=None)
@given(st.binary(max_size=512))
def test_garbage_never_crashes_and_is_consumed_or_held(data):
    parser = EscposParser()
    tokens = parser.feed(data)
    consumed = sum(len(t.data) if isinstance(t, TextRun) else len(t.raw) for t in tokens)
    assert consumed + parser.pending == len(data)
    assert all(isinstance(t, (TextRun, Command)) for t in tokens)
