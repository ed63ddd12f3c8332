"""`kiosk device locker` and `kiosk sim locker`, run as the installed command against the simulators on ptys."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from peripherals.locker import LockController, make_protocol, make_simulator

KIOSK = str(Path(sys.executable).parent / "kiosk")
BOARD = {"kerong": 1, "8a": 2}


def run(*args, timeout=30):
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(params=["kerong", "8a"])
def sim(request):
    family = request.param
    simulator = make_simulator(family, (BOARD[family],)).start()
    simulator.family = family
    yield simulator
    simulator.stop()


def device(sim, *action):
    return run("device", "locker", "--port", sim.path, "--protocol", sim.family, "--board", str(BOARD[sim.family]),
               *action)


def test_status_prints_every_lock_as_json(sim):
    board = BOARD[sim.family]
    sim.add_item(board, 2)
    done = device(sim, "status")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["board"] == board and out["protocol"] == sim.family
    assert len(out["locks"]) == (16 if sim.family == "kerong" else 24)
    assert all(lock["door"] == "closed" for lock in out["locks"])
    items = {lock["lock"]: lock["item"] for lock in out["locks"]}
    if sim.family == "kerong":
        assert items[2] == "present" and items[1] == "empty"
    else:
        assert set(items.values()) == {"unknown"}


def test_open_opens_that_lock_and_says_so(sim):
    board = BOARD[sim.family]
    done = device(sim, "open", "--lock", "5")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["opened"] is True and out["lock"] == 5 and out["code"] == "success"
    assert sim.unlocked == [(board, 5)]
    status = json.loads(device(sim, "status").stdout)
    assert [lock["lock"] for lock in status["locks"] if lock["door"] == "open"] == [5]


def test_stuck_lock_prints_not_opened_and_exits_1(sim):
    sim.set_stuck(BOARD[sim.family], 4)
    done = device(sim, "open", "--lock", "4")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["opened"] is False and out["reason"] == "door_did_not_open"


def test_lock_zero_is_refused_with_one_line_and_nothing_sent(sim):
    done = device(sim, "open", "--lock", "0")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "cannot be addressed" in done.stderr
    assert sim.requests == []


def test_silent_board_is_one_line_error(sim):
    sim.mute_board(BOARD[sim.family])
    done = device(sim, "status")
    assert done.returncode == 1
    assert done.stderr.strip() == f"kiosk: board {BOARD[sim.family]} on {sim.path}: board_silent (timeout)"


def test_missing_port(tmp_path):
    done = run("device", "locker", "--port", str(tmp_path / "none"), "--protocol", "kerong", "--board", "0",
               "status")
    assert done.returncode == 1 and "port_unavailable" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("family, boards", [("kerong", [0, 1]), ("8a", [1])])
def test_sim_command_serves_a_driver_and_takes_stdin_commands(tmp_path, family, boards):
    link = tmp_path / "usb-rs485"
    proc = subprocess.Popen([KIOSK, "sim", "locker", "--protocol", family, "--boards",
                             ",".join(map(str, boards)), "--link", str(link)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info == {"path": str(link), "protocol": family, "boards": boards}
        ctl = LockController(str(link), make_protocol(family), boards, reply_timeout_s=0.3)
        try:
            assert ctl.open_lock(boards[-1], 3).opened
            proc.stdin.write(f"close {boards[-1]} 3\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == "closed"
            assert ctl.read_board(boards[-1]).lock(3).door_closed
        finally:
            ctl.close()
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0
    assert not os.path.lexists(link)
