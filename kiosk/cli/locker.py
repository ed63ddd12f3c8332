"""`kiosk device locker ... status|open` (field diagnostics of lock boards) and `kiosk sim locker` (a board simulator)."""
from __future__ import annotations

import json
import logging
import sys

from kiosk.cli.simulators import run_simulator, stop_on_signals

logger = logging.getLogger(__name__)


def register(groups) -> None:
    device = groups["device"].add_parser("locker", help="lock-control boards: door and item state, open a lock")
    device.add_argument("--port", required=True, help="pyserial URL or path, e.g. /dev/serial/by-id/...")
    device.add_argument("--protocol", required=True, choices=["kerong", "8a"], help="board family")
    device.add_argument("--board", type=int, required=True, help="board number (DIP switch)")
    device.add_argument("--baud", type=int, default=None, help="default: 19200 kerong, 9600 8a")
    device.add_argument("--hook-closed-bit", type=int, choices=[0, 1], default=1,
                        help="bit value that means the lock hook is closed (board revision)")
    device.add_argument("--item-present-bit", type=int, choices=[0, 1], default=1,
                        help="bit value that means an item is present")
    device.add_argument("--timeout", type=float, default=0.3, help="seconds to wait for each reply")
    device.add_argument("--verbose", action="store_true", help="show the driver's log lines on stderr")
    actions = device.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("status", help="print every lock's door and item state as JSON").set_defaults(
        func=_status)
    open_ = actions.add_parser("open", help="open one lock and print whether its door opened")
    open_.add_argument("--lock", type=int, required=True, help="lock number on the board (1-based)")
    open_.set_defaults(func=_open)

    sim = groups["sim"].add_parser("locker", help="simulate lock boards on a pty")
    sim.add_argument("--protocol", required=True, choices=["kerong", "8a"])
    sim.add_argument("--boards", default=None, help="comma-separated board numbers (default 0 kerong, 1 8a)")
    sim.add_argument("--link", default=None, help="stable symlink to the pty (like /dev/serial/by-id)")
    sim.add_argument("--hook-closed-bit", type=int, choices=[0, 1], default=1)
    sim.add_argument("--item-present-bit", type=int, choices=[0, 1], default=1)
    sim.set_defaults(func=_sim)


def _controller(args):
    from kiosk.cli import CliError
    from peripherals.locker import LockController, make_protocol
    from peripherals.locker.errors import AddressError
    if not args.verbose:  # the JSON (or the one-line error) is the answer; driver warnings only on request
        logging.getLogger("peripherals").setLevel(logging.ERROR)
    protocol = make_protocol(args.protocol, args.hook_closed_bit, args.item_present_bit)
    try:
        return LockController(args.port, protocol, (args.board,), baud=args.baud, reply_timeout_s=args.timeout)
    except AddressError as exc:
        raise CliError(str(exc)) from None


def _status(args) -> int:
    from kiosk.cli import CliError
    controller = _controller(args)
    try:
        reading = controller.read_board(args.board)
    finally:
        controller.close()
    if not reading.ok:
        raise CliError(f"board {args.board} on {args.port}: {reading.reason} ({reading.code.value})")
    print(json.dumps({"protocol": args.protocol, "board": args.board,
                      "locks": [s.to_json() for s in reading.locks]}))
    return 0


def _open(args) -> int:
    from kiosk.cli import CliError
    controller = _controller(args)
    try:
        result = controller.open_lock(args.board, args.lock)
    finally:
        controller.close()
    if result.reason == "bad_address":
        raise CliError(f"lock {args.lock} on board {args.board} cannot be addressed by {args.protocol} boards")
    print(json.dumps({"protocol": args.protocol, **result.to_json()}))
    return 0 if result.opened else 1


SIM_HELP = ("commands on stdin: close B L | item B L | remove B L | stuck B L | mute B | unmute B | "
            "silent N | state")


def _sim(args) -> int:
    from kiosk.cli import CliError
    from peripherals.locker import make_simulator
    try:
        boards = [int(b) for b in args.boards.split(",")] if args.boards else None
    except ValueError:
        raise CliError("--boards: comma-separated board numbers, e.g. 0,1") from None
    sim = make_simulator(args.protocol, boards, link=args.link, hook_closed_bit=args.hook_closed_bit,
                         item_present_bit=args.item_present_bit)
    sim.start()
    stopping = stop_on_signals()
    print(json.dumps({"path": sim.path, "protocol": args.protocol, "boards": list(sim.boards)}), flush=True)
    print(SIM_HELP, file=sys.stderr, flush=True)
    return run_simulator(sim, stopping, lambda line: _sim_line(sim, line))


def _sim_line(sim, line: str) -> str | None:
    """Lets a person (or the demo script) close doors and move items while the simulator runs."""
    words = line.split()
    if not words:
        return None
    try:
        return _sim_command(sim, words)
    except (ValueError, IndexError) as exc:
        return f"error: {exc}"


def _sim_command(sim, words: list[str]) -> str:
    cmd, nums = words[0], [int(w) for w in words[1:]]
    if cmd == "close":
        return "closed" if sim.close_door(nums[0], nums[1]) else "door will not close"
    if cmd == "item":
        sim.add_item(nums[0], nums[1])
        return "ok"
    if cmd == "remove":
        sim.remove_item(nums[0], nums[1])
        return "ok"
    if cmd == "stuck":
        sim.set_stuck(nums[0], nums[1])
        return "ok"
    if cmd in ("mute", "unmute"):
        sim.mute_board(nums[0], cmd == "mute")
        return "ok"
    if cmd == "silent":
        sim.silent_after_unlock(nums[0])
        return "ok"
    if cmd == "state":
        return json.dumps({f"{b}-{n}": {"closed": s.closed, "item": s.item} for (b, n), s in sim.locks.items()})
    raise ValueError(f"unknown command {cmd!r}; {SIM_HELP}")
