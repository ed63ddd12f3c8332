"""ReaderLink over a real pty: whatever bytes come back to a read, the result is a valid card or our own error."""
import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peripherals.idcard import (ChecksumError, IdCardError, IdCardSimulator, ReaderTimeout, ReaderUnavailable,
                                card_keys, is_valid_number18, load_card_file)
from peripherals.idcard import protocol as p
from peripherals.idcard.card import validate_id_number
from peripherals.idcard.link import ReaderLink
from peripherals.idcard.textblock import encode_text_block


class ScriptedReadSimulator(IdCardSimulator):
    """Answers find and select normally and a read with whatever bytes the test set."""

    read_reply = b""

    def _read(self, with_fingerprint):
        self.write(self.read_reply)


BLOCKS = [encode_text_block(load_card_file(k)) for k in card_keys()]


@st.composite
def read_replies(draw):
    kind = draw(st.sampled_from(["noise", "mutated", "truncated"]))
    if kind == "noise":
        return draw(st.binary(max_size=300))
    block = bytearray(draw(st.sampled_from(BLOCKS)))
    for index, value in draw(st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255)), max_size=6)):
        block[index] = value
    frame = p.text_photo_reply(bytes(block), bytes(1024))
    if kind == "truncated":
        frame = frame[:draw(st.integers(0, len(frame) - 1))]
    return draw(st.binary(max_size=8)) + frame


def test_fuzz_read_replies_over_a_pty(tmp_path):
    with ScriptedReadSimulator(link=tmp_path / "tty") as sim, \
            serial.serial_for_url(sim.path, baudrate=115200, timeout=0.02) as port:
        sim.place("obama")
        link = ReaderLink(port, timeout_s=0.05)

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(read_replies())
        def run(reply):
            sim.read_reply = reply
            try:
                card = link.read_card(attempts=1)
            except IdCardError:
                return
            validate_id_number(card.card_type, card.id_number)  # raises for a card that must never exist
            assert card.card_type == "foreign_2017" or is_valid_number18(card.id_number)

        run()


@pytest.fixture
def link(sim):
    with serial.serial_for_url(sim.path, baudrate=115200, timeout=0.02) as port:
        yield ReaderLink(port, timeout_s=0.2)


def test_transact_returns_the_reply(sim, link):
    assert link.transact(p.FIND_CARD) == p.Reply(0, 0, 0x80)
    assert link.bytes_sent == 10 and link.bytes_received == 11


def test_silence_is_a_timeout(sim, link):
    sim.silent = True
    with pytest.raises(ReaderTimeout, match=r"^no reply to command 20 01 within "):
        link.find()


def test_corrupt_reply_is_a_checksum_error(sim, link):
    sim.faults.corrupt_replies = 1
    with pytest.raises(ChecksumError, match=r"reply with a bad checksum or length"):
        link.find()
    assert link.find() is False  # and the next command is fine


def test_unplugged_port_is_unavailable(sim, link):
    sim.unplug()
    with pytest.raises(ReaderUnavailable, match=r"^port failed: \w+$"):  # the serial error's type name only
        link.find()


def test_read_card_retries_then_gives_the_last_error(sim, link):
    sim.place("obama")
    sim.faults.fail_reads = 5
    with pytest.raises(IdCardError, match="read failed"):
        link.read_card(attempts=3)
    assert sim.faults.fail_reads == 2
    assert link.read_card(attempts=3) == load_card_file("obama")
