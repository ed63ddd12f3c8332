"""The simulator answers real frames on a real pty with the exact bytes of PROTOCOLS.md, and injects its faults."""

import pytest
import serial

from peripherals.idcard import load_card_file
from peripherals.idcard import protocol as p
from peripherals.idcard.textblock import decode_text_block


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.fixture
def port(sim):
    with serial.serial_for_url(sim.path, baudrate=115200, timeout=1.0) as s:
        yield s


def ask(port, frame: bytes, expect: int) -> bytes:
    port.write(frame)
    return port.read(expect)


def test_find_select_read(sim, port):
    assert ask(port, p.FIND_CARD.frame(), 11) == h("AA AA AA 96 69 00 04 00 00 80 84")
    sim.place("obama")
    assert ask(port, p.FIND_CARD.frame(), 15) == h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    assert ask(port, p.SELECT_CARD.frame(), 19) == h("AA AA AA 96 69 00 0C 00 00 90" + " 00" * 8 + " 9C")
    reply = ask(port, p.READ_TEXT_PHOTO.frame(), 1295)
    assert len(reply) == 1295 and reply[:14] == h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    card = load_card_file("obama")
    assert decode_text_block(reply[14:270], reply[270:1294]) == card


def test_select_and_read_need_a_found_card(sim, port):
    sim.place("biden")
    assert ask(port, p.SELECT_CARD.frame(), 11) == h("AA AA AA 96 69 00 04 00 00 81 85")
    assert ask(port, p.READ_TEXT_PHOTO.frame(), 11) == h("AA AA AA 96 69 00 04 00 00 41 45")


def test_other_commands(sim, port):
    assert ask(port, p.SAM_STATUS.frame(), 11) == h("AA AA AA 96 69 00 04 00 00 90 94")
    assert ask(port, p.RESET_SAM.frame(), 11) == h("AA AA AA 96 69 00 04 00 00 90 94")
    assert ask(port, p.READ_NEWEST_ADDRESS.frame(), 11) == p.build_reply(0x91)
    assert ask(port, p.Command(0x99, 0x01).frame(), 11) == p.build_reply(0x21)
    assert len(ask(port, p.READ_SAM_ID.frame(), 27)) == 27


def test_bad_host_checksum_gets_status_10(sim, port):
    frame = p.FIND_CARD.frame()
    assert ask(port, frame[:-1] + b"\x00", 11) == p.build_reply(0x10)


def test_read_with_fingerprint_has_an_empty_fingerprint(sim, port):
    sim.place("obama")
    ask(port, p.FIND_CARD.frame(), 15)
    ask(port, p.SELECT_CARD.frame(), 19)
    reply = ask(port, p.READ_TEXT_PHOTO_FINGERPRINT.frame(), 1297)
    assert reply[10:16] == h("01 00 04 00 00 00")


def test_garbage_and_corrupt_faults(sim, port):
    sim.faults.garbage = b"\x01\x02\x03"
    assert ask(port, p.FIND_CARD.frame(), 14) == b"\x01\x02\x03" + p.build_reply(0x80)
    sim.faults.garbage = b""
    sim.faults.corrupt_replies = 1
    bad = ask(port, p.FIND_CARD.frame(), 11)
    assert bad[:-1] == p.build_reply(0x80)[:-1] and bad[-1] != 0x84
    assert ask(port, p.FIND_CARD.frame(), 11) == p.build_reply(0x80)


def test_read_failures_then_success(sim, port):
    sim.place("obama")
    sim.faults.fail_reads = 1
    ask(port, p.FIND_CARD.frame(), 15)
    ask(port, p.SELECT_CARD.frame(), 19)
    assert ask(port, p.READ_TEXT_PHOTO.frame(), 11) == p.build_reply(0x41)
    ask(port, p.FIND_CARD.frame(), 15)
    ask(port, p.SELECT_CARD.frame(), 19)
    assert len(ask(port, p.READ_TEXT_PHOTO.frame(), 1295)) == 1295


def test_lift_mid_read(sim, port):
    sim.place("obama")
    sim.faults.lift_mid_read = True
    sim.faults.lift_after_bytes = 300
    ask(port, p.FIND_CARD.frame(), 15)
    ask(port, p.SELECT_CARD.frame(), 19)
    port.timeout = 0.3
    assert len(ask(port, p.READ_TEXT_PHOTO.frame(), 1295)) == 300
    assert sim.card is None
    assert ask(port, p.FIND_CARD.frame(), 11) == p.build_reply(0x80)


def test_silent(sim, port):
    sim.silent = True
    port.timeout = 0.2
    assert ask(port, p.FIND_CARD.frame(), 11) == b""


def test_chunked_reply_arrives_whole(sim, port):
    sim.faults.chunk, sim.faults.chunk_gap_s = 3, 0.01
    assert ask(port, p.FIND_CARD.frame(), 11) == p.build_reply(0x80)


def test_unplug_removes_the_link_and_plug_restores_it(sim):
    link = sim.link
    sim.unplug()
    assert not link.exists()
    sim.plug()
    assert link.exists()
    with serial.serial_for_url(sim.path, timeout=1.0) as s:
        assert ask(s, p.FIND_CARD.frame(), 11) == p.build_reply(0x80)


def test_place_refuses_unknown_card(sim):
    from peripherals.idcard import CardDataError
    with pytest.raises(CardDataError, match=r"no card file nobody\.toml"):
        sim.place("nobody")
    assert sim.card is None
