"""`kiosk device scan` (print the next code a QR scanner reads) and `kiosk sim scanner` (a scanner on a pty)."""
from __future__ import annotations

import logging
import queue
import sys
import threading
import time

from kiosk.cli.simulators import run_simulator, stop_on_signals

logger = logging.getLogger(__name__)

SIM_HELP = """each line you type is scanned as a code; lines starting with ! are commands:
  !suffix cr|lf|crlf|none   what ends each code    !encoding utf-8|gb18030   how text is sent
  !unplug | !plug           the scanner disappears / comes back    !quit   stop"""


def register(groups) -> None:
    device = groups["device"].add_parser("scan", help="print the next code the QR scanner reads")
    device.add_argument("--port", required=True,
                        help="pyserial URL or path (serial mode), or /dev/input/... (evdev mode)")
    device.add_argument("--mode", choices=["serial", "evdev"], default="serial")
    device.add_argument("--baud", type=int, default=9600, help="serial mode line rate (default 9600)")
    device.add_argument("--encoding", choices=["auto", "utf-8", "gb18030"], default="auto")
    device.add_argument("--idle-gap-ms", type=int, default=80, help="a code without suffix ends after this gap")
    device.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a code (default 30)")
    device.add_argument("--verbose", action="store_true", help="show the driver's log lines on stderr")
    device.set_defaults(func=_scan)

    sim = groups["sim"].add_parser("scanner", help="simulate a serial QR scanner on a pty (codes from stdin)")
    sim.add_argument("--link", default=None, help="stable symlink to the pty (like /dev/serial/by-id)")
    sim.add_argument("--baud", type=int, default=9600)
    sim.add_argument("--suffix", choices=["cr", "lf", "crlf", "none"], default="cr")
    sim.add_argument("--encoding", choices=["utf-8", "gb18030"], default="utf-8")
    sim.add_argument("--code", action="append", default=[], help="scan this code at start (repeatable)")
    sim.add_argument("--delay", type=float, default=1.0, help="seconds before the --code scans (default 1)")
    sim.set_defaults(func=_sim)


def _scan(args) -> int:
    from kiosk.cli import CliError
    from peripherals.scanner import CodeScanned, make_scanner
    from peripherals.status import StatusChanged

    if args.timeout <= 0:
        raise CliError("--timeout must be more than 0 seconds")
    if not args.verbose:
        logging.getLogger("peripherals").setLevel(logging.ERROR)
    events: queue.Queue = queue.Queue()
    scanner = make_scanner(args.mode, args.port, args.baud, args.idle_gap_ms / 1000, args.encoding)
    scanner.add_listener(events.put)
    deadline = time.monotonic() + args.timeout
    scanner.start()
    try:
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = events.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(event, CodeScanned):
                print(event.code, flush=True)
                return 0
            if isinstance(event, StatusChanged) and event.reason.startswith("cannot open"):
                raise CliError(f"cannot open the scanner at {args.port} ({event.reason.split(': ', 1)[-1]})")
            if isinstance(event, StatusChanged) and event.reason.startswith("disconnected"):
                raise CliError(f"the scanner at {args.port} went away (unplugged?)")
    finally:
        scanner.stop()
    raise CliError(f"no code was scanned within {args.timeout:g} s")


def _sim(args) -> int:
    from kiosk.cli import CliError
    from peripherals.scanner import ScannerSimulator

    sim = ScannerSimulator(baud=args.baud, link=args.link, suffix=args.suffix, encoding=args.encoding)
    try:
        sim.start()
    except OSError as exc:
        raise CliError(f"cannot start the simulator: {exc.strerror or type(exc).__name__}") from None
    stopping = stop_on_signals()
    print(sim.path, flush=True)
    print(f"QR scanner simulator on {sim.path} at {args.baud} baud; type a code and Enter to scan it, "
          "'!help' for commands, Ctrl-C to stop", file=sys.stderr, flush=True)
    if args.code:
        threading.Thread(target=_scan_later, args=(sim, args.code, args.delay, stopping), daemon=True).start()
    return run_simulator(sim, stopping, lambda line: _sim_line(sim, line, stopping))


def _scan_later(sim, codes, delay: float, stopping: threading.Event) -> None:
    if stopping.wait(delay):
        return
    for code in codes:
        sim.scan(code)


def _sim_line(sim, line: str, stopping: threading.Event) -> str | None:
    """A typed line is a code to scan; one starting with "!" is a simulator command."""
    if not line.startswith("!"):
        if line:
            sim.scan(line)
        return None
    return _command(sim, line[1:].split(), stopping)


def _command(sim, words: list[str], stopping: threading.Event) -> str:
    from peripherals.scanner.simulator import SUFFIXES
    name, rest = (words[0], words[1:]) if words else ("help", [])
    if name == "suffix" and len(rest) == 1 and rest[0] in SUFFIXES:
        sim.suffix = rest[0]
        return f"suffix {sim.suffix}"
    if name == "encoding" and len(rest) == 1 and rest[0] in ("utf-8", "gb18030"):
        sim.encoding = rest[0]
        return f"encoding {sim.encoding}"
    if name == "unplug":
        sim.unplug()
        return "unplugged"
    if name == "plug":
        sim.plug()
        return f"plugged in: {sim.path}"
    if name == "quit":
        stopping.set()
        return "bye"
    return SIM_HELP
