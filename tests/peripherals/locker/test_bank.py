"""Compartment labels to (board, lock): refused when ambiguous, and opening a label opens exactly its door."""
import pytest

from config.schema import LockerConfig
from peripherals.locker import Compartment, LockController, LockerBank, make_protocol
from peripherals.locker.errors import AddressError

from tests.peripherals.locker.conftest import FAMILY_BOARDS

LAYOUT = [("A01", 0, 1, "small"), ("A02", 0, 2, "medium"), ("B01", 1, 16, "large"), ("B02", 1, 1, "small")]


@pytest.fixture
def kerong_bank():
    from peripherals.locker import KerongSimulator
    with KerongSimulator((0, 1)) as sim:
        ctl = LockController(sim.path, make_protocol("kerong"), (0, 1), reply_timeout_s=0.15, confirm_s=0.3)
        bank = LockerBank(ctl, [Compartment(*row) for row in LAYOUT])
        yield sim, bank
        ctl.close()


@pytest.mark.parametrize("label, board, lock", [(r[0], r[1], r[2]) for r in LAYOUT])
def test_label_opens_its_own_lock_only(kerong_bank, label, board, lock):
    sim, bank = kerong_bank
    result = bank.open(label)
    assert result.opened and (result.board, result.lock) == (board, lock)
    assert sim.unlocked == [(board, lock)]
    state = bank.state(label)
    assert state is not None and not state.door_closed


def test_states_read_each_board_once(kerong_bank):
    sim, bank = kerong_bank
    sim.add_item(1, 16)
    states = bank.states()
    assert set(states) == {"A01", "A02", "B01", "B02"}
    assert states["B01"].item_present and not states["B02"].item_present
    assert sum(1 for r in sim.requests if r[2] == 0x30) == 2


def test_unknown_label(kerong_bank):
    _, bank = kerong_bank
    with pytest.raises(KeyError, match=r"no compartment labelled 'Z99'"):
        bank.open("Z99")


def _ctl(boards=(0, 1)):
    return LockController("loop://", make_protocol("kerong"), boards)


@pytest.mark.parametrize("rows, problem", [
    ([("A", 0, 1), ("A", 0, 2)], "used twice"),
    ([("A", 0, 1), ("B", 0, 1)], "share board 0 lock 1"),
    ([("A", 2, 1)], "not on the bus"),
])
def test_ambiguous_or_unwired_layouts_are_refused(rows, problem):
    with pytest.raises(ValueError, match=problem):
        LockerBank(_ctl(), [Compartment(*row) for row in rows])


def test_lock_beyond_the_board_is_refused():
    with pytest.raises(AddressError, match=r"kerong lock 17 out of range 1\.\.16"):
        LockerBank(_ctl(), [Compartment("A", 0, 17)])


def test_bad_size_refused():
    with pytest.raises(ValueError, match=r"compartment A: size must be one of small, medium, large"):
        Compartment("A", 0, 1, "huge")


def test_default_layout_from_config_labels_every_lock():
    config = LockerConfig(port="loop://", boards=[0, 1])
    bank = LockerBank.from_config(_ctl(), config)
    assert len(bank.compartments) == 32
    assert bank.compartment("1-16") == Compartment("1-16", 1, 16)


def test_config_layout():
    config = LockerConfig(port="loop://", protocol="8a", boards=[1, 2],
                          compartments=[{"label": "A01", "board": 2, "lock": 24, "size": "large"}])
    ctl = LockController("loop://", make_protocol("8a"), (1, 2))
    bank = LockerBank.from_config(ctl, config)
    assert bank.compartments == (Compartment("A01", 2, 24, "large"),)
    assert config.baud == 9600


@pytest.mark.parametrize("fields, problem", [
    ({"boards": [15]}, "board numbers"),
    ({"boards": [0, 0]}, "listed twice"),
    ({"compartments": [{"label": "A", "board": 0, "lock": 1}, {"label": "B", "board": 0, "lock": 1}]}, "share"),
    ({"compartments": [{"label": "A", "board": 3, "lock": 1}]}, "not in boards"),
    ({"compartments": [{"label": "A", "board": 0, "lock": 17}]}, "beyond"),
    ({"protocol": "8a", "boards": [0]}, "board numbers"),
])
def test_config_refuses_bad_layouts(fields, problem):
    with pytest.raises(ValueError, match=problem):
        LockerConfig(port="x", **fields)


def test_family_boards_fixture_is_valid_config():
    for family, boards in FAMILY_BOARDS.items():
        LockerConfig(port="x", protocol=family, boards=list(boards))
