"""The controller against each family's simulator over a real pty: the right door, sensors, faults and recovery."""
import threading
import time

import pytest

from peripherals.locker import DoorReported, EightASimulator, LockController, make_protocol
from peripherals.locker.simulator import KerongSimulator
from peripherals.status import CompletionCode, DeviceStatus, StatusChanged

from tests.peripherals.locker.conftest import FAMILY_BOARDS


def _open_frames(sim):
    """Every unlock request the simulator received."""
    if isinstance(sim, KerongSimulator):
        return [r for r in sim.requests if r[2] == 0x31]
    return [r for r in sim.requests if r[0] == 0x8A]


def test_status_reports_every_lock_closed_and_empty(family, sim, controller):
    board = FAMILY_BOARDS[family][0]
    reading = controller.read_board(board)
    assert reading.ok and reading.board == board
    assert len(reading.locks) == controller.protocol.locks_per_board
    assert all(s.door_closed for s in reading.locks)
    expected_item = False if family == "kerong" else None
    assert all(s.item_present is expected_item for s in reading.locks)
    assert controller.status == DeviceStatus.ONLINE


def test_status_follows_the_sensors(family, sim, controller):
    board = FAMILY_BOARDS[family][1]
    sim.add_item(board, 4)
    controller.open_lock(board, 7)
    reading = controller.read_board(board)
    assert [s.lock for s in reading.locks if not s.door_closed] == [7]
    if family == "kerong":
        assert [s.lock for s in reading.locks if s.item_present] == [4]
        sim.remove_item(board, 4)
        assert not controller.read_board(board).lock(4).item_present
    sim.close_door(board, 7)
    assert controller.read_board(board).lock(7).door_closed


def test_open_opens_exactly_that_door_and_confirms_from_sensors(family, sim, controller):
    board = FAMILY_BOARDS[family][1]
    result = controller.open_lock(board, 3)
    assert result.code == CompletionCode.SUCCESS and result.opened and result.attempts == 1
    assert sim.unlocked == [(board, 3)]
    assert [(b, n) for (b, n), s in sim.locks.items() if not s.closed] == [(board, 3)]
    expected = make_protocol(family).open_request(board, 3)
    assert _open_frames(sim) == [expected]


def test_every_lock_on_a_two_board_bus_maps_to_its_own_door(family, sim, controller):
    for board in FAMILY_BOARDS[family]:
        for lock in range(1, controller.protocol.locks_per_board + 1):
            sim.unlocked.clear()
            result = controller.open_lock(board, lock)
            assert result.opened, (board, lock)
            assert sim.unlocked == [(board, lock)]
            assert sim.close_door(board, lock)


@pytest.mark.parametrize("board_index, lock", [(0, 0), (0, 99), (None, 1)])
def test_unaddressable_lock_is_refused_before_anything_is_sent(family, sim, controller, board_index, lock):
    board = 15 if board_index is None and family == "kerong" else 0 if board_index is None \
        else FAMILY_BOARDS[family][board_index]
    result = controller.open_lock(board, lock)
    assert result.code == CompletionCode.INVALID_DATA and not result.opened and result.reason == "bad_address"
    time.sleep(0.05)
    assert sim.requests == [] and sim.unlocked == []


def test_stuck_lock_is_reported_not_trusted(family, sim, controller):
    board = FAMILY_BOARDS[family][0]
    sim.set_stuck(board, 2)
    result = controller.open_lock(board, 2)
    assert result.code == CompletionCode.HARDWARE_ERROR and not result.opened
    assert result.reason == "door_did_not_open" and result.attempts == 2
    assert sim.unlocked == []
    assert len(_open_frames(sim)) == 2  # one retry, never more, and only that lock
    assert all(f == make_protocol(family).open_request(board, 2) for f in _open_frames(sim))


def test_board_silent_after_unlock_is_recovered_without_a_second_unlock(family, sim, controller):
    board = FAMILY_BOARDS[family][0]
    sim.silent_after_unlock(3)
    result = controller.open_lock(board, 5)
    assert result.code == CompletionCode.SUCCESS and result.opened
    assert sim.unlocked == [(board, 5)]
    assert len(_open_frames(sim)) == 1
    assert controller.reopens >= 1
    assert controller.read_board(board).ok


def test_board_that_never_answers(family, sim, controller):
    silent, other = FAMILY_BOARDS[family]
    events = []
    controller.add_listener(events.append)
    sim.mute_board(silent)
    reading = controller.read_board(silent)
    assert reading.code == CompletionCode.TIMEOUT and reading.reason == "board_silent" and reading.locks == ()
    result = controller.open_lock(silent, 1)
    assert result.code == CompletionCode.TIMEOUT and not result.opened
    assert _open_frames(sim) == []  # never unlock blind: the pre-check read found no board
    assert controller.status == DeviceStatus.HARDWARE_ERROR
    assert controller.read_board(other).ok  # the rest of the bus still works...
    assert controller.status == DeviceStatus.HARDWARE_ERROR  # ...but the bus is not healthy, and does not flap
    sim.mute_board(silent, False)
    assert controller.read_board(silent).ok
    assert controller.status == DeviceStatus.ONLINE
    assert [e.status for e in events if isinstance(e, StatusChanged)] == [DeviceStatus.HARDWARE_ERROR,
                                                                         DeviceStatus.ONLINE]


def test_door_already_open_is_not_unlocked_again(family, sim, controller):
    board = FAMILY_BOARDS[family][0]
    controller.open_lock(board, 9)
    result = controller.open_lock(board, 9)
    assert result.opened and result.was_open and result.attempts == 0
    assert len(_open_frames(sim)) == 1


def test_door_that_never_closes(family, sim, controller):
    board = FAMILY_BOARDS[family][0]
    sim.set_never_closes(board, 6)
    controller.open_lock(board, 6)
    assert sim.close_door(board, 6) is False
    assert not controller.read_board(board).lock(6).door_closed


def test_noise_on_the_line_is_survived(family, sim, controller):
    board = FAMILY_BOARDS[family][0]
    sim.inject(b"\x02\x8a\x80\x82\x00\xff\x03" * 3)
    assert controller.read_board(board).ok
    assert controller.open_lock(board, 1).opened


@pytest.mark.parametrize("hook, item", [(0, 0), (0, 1), (1, 0)])
def test_inverted_polarity_boards(family, hook, item):
    boards = FAMILY_BOARDS[family][:1]
    from peripherals.locker import make_simulator
    with make_simulator(family, boards, hook_closed_bit=hook, item_present_bit=item) as sim:
        ctl = LockController(sim.path, make_protocol(family, hook, item), boards, reply_timeout_s=0.15,
                             confirm_s=0.3)
        try:
            sim.add_item(boards[0], 2)
            reading = ctl.read_board(boards[0])
            assert all(s.door_closed for s in reading.locks)
            if family == "kerong":
                assert [s.lock for s in reading.locks if s.item_present] == [2]
            assert ctl.open_lock(boards[0], 2).opened and sim.unlocked == [(boards[0], 2)]
        finally:
            ctl.close()


def test_mismatched_polarity_never_claims_a_shut_door_opened(family):
    """A board revision with the other polarity reads every shut door as open; a stuck lock must still fail."""
    boards = FAMILY_BOARDS[family][:1]
    from peripherals.locker import make_simulator
    with make_simulator(family, boards, hook_closed_bit=0) as sim:
        ctl = LockController(sim.path, make_protocol(family, 1), boards, reply_timeout_s=0.15, confirm_s=0.2)
        try:
            reading = ctl.read_board(boards[0])
            assert not any(s.door_closed for s in reading.locks)  # the misconfiguration is visible at once
            result = ctl.open_lock(boards[0], 1)
            assert result.was_open and sim.unlocked == []  # nothing sent to a door that "already stands open"
        finally:
            ctl.close()


def test_unsolicited_reports_become_events():
    with EightASimulator((1,), reports=True) as sim:
        ctl = LockController(sim.path, make_protocol("8a"), (1,), reply_timeout_s=0.15, confirm_s=0.3)
        events = []
        ctl.add_listener(events.append)
        try:
            assert ctl.open_lock(1, 4).opened
            sim.close_door(1, 4)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and DoorReported(1, 4, True) not in events:
                ctl.poll_reports()
                time.sleep(0.02)
            assert DoorReported(1, 4, True) in events
            assert ctl.read_board(1).lock(4).door_closed
        finally:
            ctl.close()


def test_report_arriving_during_an_exchange_is_kept():
    with EightASimulator((1,)) as sim:
        ctl = LockController(sim.path, make_protocol("8a"), (1,), reply_timeout_s=0.15)
        events = []
        ctl.add_listener(events.append)
        try:
            assert ctl.read_board(1).ok  # port open: bytes that arrive from now on are the driver's to see
            sim.push_report(1, 8)
            time.sleep(0.05)
            assert ctl.read_board(1).ok
            assert DoorReported(1, 8, True) in events
        finally:
            ctl.close()


def test_unplug_and_plug_back(tmp_path):
    link = tmp_path / "by-id" / "usb-rs485-if00"
    with KerongSimulator((0,), link=link) as sim:
        ctl = LockController(str(link), make_protocol("kerong"), (0,), reply_timeout_s=0.1, backoff_s=0.01)
        try:
            assert ctl.read_board(0).ok
            sim.unplug()
            reading = ctl.read_board(0)
            assert not reading.ok and reading.reason in ("port_unavailable", "board_silent")
            assert not ctl.status.usable
            sim.plug()
            assert ctl.read_board(0).ok
            assert ctl.status == DeviceStatus.ONLINE
        finally:
            ctl.close()


def test_missing_port_is_a_completion_code_not_an_exception(tmp_path):
    ctl = LockController(str(tmp_path / "nothing"), make_protocol("kerong"), (0,), backoff_s=0.01)
    reading = ctl.read_board(0)
    assert reading.code == CompletionCode.HARDWARE_ERROR and reading.reason == "port_unavailable"
    result = ctl.open_lock(0, 1)
    assert not result.opened and result.reason == "port_unavailable"
    assert ctl.status == DeviceStatus.OFFLINE


class QuickDoorSimulator(KerongSimulator):
    """A door that swings shut again a moment after its unlock was answered."""

    def _release(self, board, lock):
        super()._release(board, lock)
        threading.Timer(0.03, self.close_door, (board, lock)).start()


def test_kerong_door_shut_again_at_once_is_not_unlocked_twice():
    with QuickDoorSimulator((0,)) as sim:
        ctl = LockController(sim.path, make_protocol("kerong"), (0,), reply_timeout_s=0.15, confirm_s=0.3)
        try:
            result = ctl.open_lock(0, 2)
            assert result.opened and result.attempts == 1
            time.sleep(0.1)
            assert sim.unlocked == [(0, 2)] and len(_open_frames(sim)) == 1
        finally:
            ctl.close()


def test_background_poller_reports_sensor_changes_and_keeps_status_true(family, sim, controller, caplog):
    from peripherals.locker import LockChanged
    board = FAMILY_BOARDS[family][0]
    events = []
    controller.add_listener(events.append)
    controller.start(poll_interval_s=0.05)
    try:
        def wait_for(event):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and event not in events:
                time.sleep(0.02)
            return event in events
        time.sleep(0.2)  # first readings taken
        sim.add_item(board, 3)
        if family == "kerong":
            assert wait_for(LockChanged(board, 3, True, True))
        item = True if family == "kerong" else None
        assert controller.open_lock(board, 3).opened
        assert wait_for(LockChanged(board, 3, False, item))
        sim.close_door(board, 3)
        assert wait_for(LockChanged(board, 3, True, item))
        sim.mute_board(board)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and controller.status != DeviceStatus.HARDWARE_ERROR:
            time.sleep(0.05)
        assert controller.status == DeviceStatus.HARDWARE_ERROR
        time.sleep(1.5)  # several more polls of the dead board next to a live one
    finally:
        controller.stop()
    assert controller._thread is None
    assert sum("device locker unavailable" in r.getMessage() for r in caplog.records) == 1  # logged once
