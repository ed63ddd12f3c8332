"""Fixtures: a simulator per board family on a real pty, and a controller opened on it."""
import pytest

from peripherals.locker import LockController, make_protocol, make_simulator

FAMILY_BOARDS = {"kerong": (0, 1), "8a": (1, 2)}


@pytest.fixture(params=["kerong", "8a"])
def family(request):
    return request.param


@pytest.fixture
def sim(family):
    simulator = make_simulator(family, FAMILY_BOARDS[family]).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def controller(family, sim):
    # Four tries of 0.25 s: a loaded CI machine must not turn a slow answer into a "silent board" failure.
    ctl = LockController(sim.path, make_protocol(family), FAMILY_BOARDS[family], reply_timeout_s=0.25,
                         retries=4, confirm_s=0.3, backoff_s=0.02)
    yield ctl
    ctl.close()
