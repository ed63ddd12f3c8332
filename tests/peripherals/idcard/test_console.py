"""The simulator's line commands change the running simulator as they say, and bad input changes nothing."""
import pytest

from peripherals.idcard.console import SimulatorConsole


@pytest.fixture
def console(sim):
    return SimulatorConsole(sim)


@pytest.mark.parametrize("line, answer, check", [
    ("place obama", "placed resident card obama", lambda s: s.card.name == "欧阳明"),
    ("silent on", "silent on", lambda s: s.silent),
    ("garbage 00 ff 13", "garbage 00 ff 13", lambda s: s.faults.garbage == b"\x00\xff\x13"),
    ("chunk 8 5", "chunk 8 bytes, 5 ms apart", lambda s: (s.faults.chunk, s.faults.chunk_gap_s) == (8, 0.005)),
    ("corrupt 2", "corrupt-replies 2", lambda s: s.faults.corrupt_replies == 2),
    ("corrupt-reads 1", "corrupt-reads 1", lambda s: s.faults.corrupt_reads == 1),
    ("fail-reads 3", "fail-reads 3", lambda s: s.faults.fail_reads == 3),
    ("fail-selects 1", "fail-selects 1", lambda s: s.faults.fail_selects == 1),
    ("lift-mid-read 100", "the next read stops after 100 bytes and the card is lifted",
     lambda s: s.faults.lift_mid_read and s.faults.lift_after_bytes == 100),
    ("fault-status 60", "fault-status 60", lambda s: s.faults.status == 0x60),
    ("unplug", "unplugged", lambda s: not s.link.exists()),
])
def test_commands(sim, console, line, answer, check):
    assert console.execute(line) == answer
    assert check(sim)


@pytest.mark.parametrize("line", ["place", "place nobody", "silent maybe", "garbage zz", "chunk 0", "corrupt -1",
                                  "fail-reads x", "fault-status 1FF", "dance", 'place "obama'])
def test_bad_commands_change_nothing(sim, console, line):
    before = (sim.card, sim.silent, repr(sim.faults))
    assert console.execute(line).startswith("error:")
    assert (sim.card, sim.silent, repr(sim.faults)) == before


def test_help_lists_cards_and_quit(console):
    assert "kit_harington" in console.execute("help")
    assert console.execute("") == ""
    assert console.execute("quit") == "bye" and console.done


def test_lift_plug_and_status(sim, console):
    console.execute("place rose_leslie")
    assert console.execute("status").startswith("foreign_2023 card; silent off")
    assert console.execute("lift") == "lifted" and sim.card is None
    console.execute("unplug")
    assert console.execute("plug").startswith("plugged in: ")
    assert sim.link.exists()
