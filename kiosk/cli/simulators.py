"""The one run loop of every `kiosk sim ...` command: serve until Ctrl-C, SIGTERM or a quit typed on stdin."""
from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Callable

logger = logging.getLogger(__name__)

LineHandler = Callable[[str], "str | None"]


def stop_on_signals() -> threading.Event:
    """The event Ctrl-C and SIGTERM (a demo script stopping us) set; SIGINT is handled explicitly because a shell
    starts background jobs with it ignored. Call it before announcing the simulator: whoever reads the announcement
    may signal at once."""
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    return stopping


def run_simulator(sim, stopping: threading.Event, on_line: LineHandler | None = None) -> int:
    """Runs until `stopping` (from stop_on_signals) is set, then stops the simulator. With `on_line`, each line typed
    on stdin (without its line end) goes to it and its answer is printed; a handler ends the run by setting
    `stopping`. At end of input (no terminal) the simulator simply keeps running."""
    if on_line is not None:
        threading.Thread(target=_read_lines, args=(on_line, stopping), name="sim-stdin", daemon=True).start()
    try:
        while not stopping.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def _read_lines(on_line: LineHandler, stopping: threading.Event) -> None:
    for line in sys.stdin:
        if stopping.is_set():
            return
        answer = on_line(line.rstrip("\r\n"))
        if answer:
            print(answer, flush=True)
        if stopping.is_set():
            return
