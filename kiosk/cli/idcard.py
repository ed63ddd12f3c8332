"""`kiosk device idcard` (read one ID card, print it as JSON) and `kiosk sim idcard` (a reader simulator on a pty)."""
from __future__ import annotations

import json
import logging
import queue
import sys
import time

from kiosk.cli.simulators import run_simulator, stop_on_signals
from kiosk.privacy import mask_address, mask_id_number, mask_name

logger = logging.getLogger(__name__)

JSON_KEYS = ("card_type", "name", "name_en", "gender", "nation_code", "birth_date", "address", "id_number",
             "issuing_authority", "valid_from", "valid_to", "photo_wlt_bytes")


def register(groups) -> None:
    device = groups["device"].add_parser("idcard", help="wait for an ID card, read it and print it as JSON")
    device.add_argument("--port", required=True, help="pyserial URL or path, e.g. /dev/serial/by-id/...")
    device.add_argument("--baud", type=int, default=115200, help="default 115200")
    device.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    device.add_argument("--show-personal-data", action="store_true",
                        help="print name, address and ID number unmasked (only with the card holder present)")
    device.add_argument("--verbose", action="store_true", help="show the driver's log lines on stderr")
    device.set_defaults(func=_read)

    sim = groups["sim"].add_parser("idcard", help="simulate an ID card reader on a pty (type 'help' on stdin)")
    sim.add_argument("--card", default=None, help="card key (e.g. obama) or TOML file placed at start")
    sim.add_argument("--link", default=None, help="stable symlink to the pty (like /dev/serial/by-id)")
    sim.add_argument("--baud", type=int, default=115200, help="line rate the replies are paced at")
    sim.add_argument("--cards-dir", default=None, help="folder of card TOML files (default: the demo cards)")
    sim.set_defaults(func=_sim)


def card_json(card, show_personal_data: bool = False) -> dict:
    """The card as the diagnostic JSON object; name, English name, address and ID number masked unless asked."""
    def day(value):
        return value.isoformat() if value is not None else None

    if show_personal_data:
        name, name_en, address, number = card.name, card.name_en, card.address, card.id_number
    else:
        name, name_en = mask_name(card.name), mask_name(card.name_en) or None
        address, number = mask_address(card.address) or None, mask_id_number(card.id_number)
    return {
        "card_type": card.card_type,
        "name": name or None,
        "name_en": name_en,
        "gender": card.gender,
        "nation_code": card.nation_code,
        "birth_date": day(card.birth_date),
        "address": address,
        "id_number": number,
        "issuing_authority": card.issuing_authority,
        "valid_from": day(card.valid_from),
        "valid_to": day(card.valid_to),
        "photo_wlt_bytes": len(card.photo_wlt),
    }


def _read(args) -> int:
    from kiosk.cli import CliError
    from peripherals.idcard import CardRead, CardReader, CardReadFailed
    from peripherals.status import DeviceStatus, StatusChanged

    if args.timeout <= 0:
        raise CliError("--timeout must be more than 0 seconds")
    if not args.verbose:  # the JSON (or the one-line error) is the answer; driver lines only on request
        logging.getLogger("peripherals").setLevel(logging.ERROR)
    events: queue.Queue = queue.Queue()
    # Short reply timeouts so a silent reader is told apart from "no card yet" well within --timeout.
    reply_timeout = min(1.0, max(0.2, args.timeout / 5))
    reader = CardReader(args.port, baud=args.baud, poll_interval_s=0.1, timeout_s=reply_timeout,
                        reconnect_interval_s=0.2)
    reader.add_listener(events.put)
    answered = False
    deadline = time.monotonic() + args.timeout
    reader.start()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                event = events.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(event, CardRead):
                print(json.dumps(card_json(event.card, args.show_personal_data), ensure_ascii=False))
                return 0
            if isinstance(event, CardReadFailed):
                raise CliError(f"the card on {args.port} could not be read after {reader.read_attempts} attempts "
                               f"({event.reason}); lift it and place it again")
            if isinstance(event, StatusChanged):
                if event.status == DeviceStatus.ONLINE:
                    answered = True
                elif event.reason.startswith("cannot open port"):
                    raise CliError(f"cannot open {args.port} ({event.reason.split(': ', 1)[-1]}): "
                                   "check the cable and the port name")
                elif event.reason == "no answer":
                    raise CliError(f"the card reader on {args.port} does not answer: check power, cable and baud "
                                   f"rate ({args.baud})")
                elif event.status == DeviceStatus.HARDWARE_ERROR:
                    raise CliError(f"the card reader on {args.port} reports a fault ({event.reason})")
                elif event.reason == "disconnected":
                    raise CliError(f"the card reader on {args.port} went away (unplugged?)")
    finally:
        reader.stop()
    if not answered:
        raise CliError(f"the card reader on {args.port} does not answer: check power, cable and baud rate "
                       f"({args.baud})")
    raise CliError(f"no card was placed on the reader within {args.timeout:g} s")


def _sim(args) -> int:
    from kiosk.cli import CliError
    from peripherals.idcard import IdCardError, IdCardSimulator
    from peripherals.idcard.console import SimulatorConsole

    sim = IdCardSimulator(cards_dir=args.cards_dir, baud=args.baud, link=args.link)
    try:
        sim.start()
        if args.card:
            sim.place(args.card)
    except IdCardError as exc:
        sim.stop()
        raise CliError(str(exc)) from None
    except OSError as exc:
        sim.stop()
        raise CliError(f"cannot start the simulator: {exc.strerror or type(exc).__name__}") from None
    stopping = stop_on_signals()
    print(sim.path, flush=True)
    print(f"ID card reader simulator on {sim.path} at {args.baud} baud"
          f"{', card ' + args.card + ' placed' if args.card else ''}; type 'help' for commands, Ctrl-C to stop",
          file=sys.stderr, flush=True)
    console = SimulatorConsole(sim)

    def on_line(line: str) -> str:
        answer = console.execute(line)
        if console.done:
            stopping.set()
        return answer
    return run_simulator(sim, stopping, on_line)
