"""`make demo`: the gateway with demo data, the ID card simulator and the kiosk UI, on this machine.

With no display it runs under a private Xvfb, plays a scripted tour (attract, place a card, menu, case list, back,
done) and saves a screenshot of every screen; with a display it stays up and lets you place and lift the demo
persons' cards from the terminal until Ctrl-C. Everything it started is stopped when it exits.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from kiosk_testkit.control_client import ControlClient, ControlError  # noqa: E402
from kiosk_testkit.demo import DemoError, DemoStack, environment_problems  # noqa: E402
from kiosk_testkit.xvfb import VirtualDisplayError  # noqa: E402

logger = logging.getLogger("demo")

TOUR_PERSON = "obama"


def shoot(client: ControlClient, shots: Path, name: str) -> Path:
    path = shots / f"{name}.png"
    client.screenshot(path)
    print(f"  screenshot {path}")
    return path


def run_tour(stack: DemoStack, shots: Path) -> list[Path]:
    """Attract -> card placed -> (card-only check) -> menu -> case list -> back -> case list -> done -> attract."""
    client = stack.client
    shots.mkdir(parents=True, exist_ok=True)
    taken = []
    print("tour: attract screen")
    client.wait_for_screen("attract")
    taken.append(shoot(client, shots, "01_attract"))

    print(f"tour: placing the demo card of '{TOUR_PERSON}' on the simulated reader")
    stack.simulator.place(TOUR_PERSON)
    client.wait_for_screen("menu", 30)
    taken.append(shoot(client, shots, "02_menu"))

    print("tour: choosing 'check my case'")
    client.tap(intent="service", arg="case_status")
    state = client.wait_for_screen("cases", 30, predicate=lambda s: any(
        t["text"].startswith(("共", "没有查到", "暂时连不上")) for t in s["texts"]))
    taken.append(shoot(client, shots, "03_cases"))
    print("  " + " | ".join(t["text"] for t in state["texts"][:12]))

    print("tour: the same list in English")
    client.tap(intent="language")
    client.wait_for_screen("cases", predicate=lambda s: s["language"] == "en")
    taken.append(shoot(client, shots, "04_cases_en"))
    client.tap(intent="language")
    client.wait_for_screen("cases", predicate=lambda s: s["language"] == "zh_CN")

    print("tour: back to the menu")
    client.tap(intent="back")
    client.wait_for_screen("menu")
    taken.append(shoot(client, shots, "05_menu_again"))

    print("tour: case list again, then 'I'm done'")
    client.tap(intent="service", arg="case_status")
    client.wait_for_screen("cases")
    client.tap(intent="finish")
    client.wait_for_screen("done", predicate=lambda s: s["overlay"])  # the 好差评 panel over the done screen
    taken.append(shoot(client, shots, "06_rating"))
    print("tour: the rating skipped")
    client.tap(intent="rate_skip")
    client.wait_for_screen("done", predicate=lambda s: not s["overlay"])
    taken.append(shoot(client, shots, "06_done"))

    print("tour: exit, card lifted")
    client.tap(intent="cancel")
    stack.simulator.lift()
    client.wait_for_screen("attract")
    taken.append(shoot(client, shots, "07_attract_again"))
    return taken


LOCKER_TOUR = ("obama", "rose_leslie")  # certificates loaded before the locker kiosk starts


def run_locker_tour(stack: DemoStack, shots: Path) -> list[Path]:
    """`--site locker`: code screen -> scan obama's pickup code -> ID card -> the door opens -> taken -> done; then
    rose_leslie's code typed as digits is shown on the keypad."""
    client = stack.client
    shots.mkdir(parents=True, exist_ok=True)
    taken = []
    print("tour: the locker's code screen")
    client.wait_for_screen("pickup_code", 30)
    taken.append(shoot(client, shots, "01_pickup_code"))
    deposit = stack.deposits["obama"]
    print(f"tour: scanning obama's pickup code (compartment {deposit['compartment']})")
    stack.scanner.scan(deposit["qr"])
    client.wait_for_screen("identify", 30)
    taken.append(shoot(client, shots, "02_identify"))
    stack.simulator.place("obama")
    client.wait_for_screen("pickup_door", 30)
    lock = int(deposit["compartment"][1:])
    deadline = time.monotonic() + 20
    while stack.locker.door_closed(0, lock) and time.monotonic() < deadline:
        time.sleep(0.05)
    taken.append(shoot(client, shots, "03_door_open"))
    print("tour: taking the certificate and closing the door")
    stack.locker.remove_item(0, lock)
    stack.locker.close_door(0, lock)
    client.wait_until(lambda s: s["screen"] == "pickup_door" and s["overlay"], 30, "the 好差评 panel after the pickup")
    client.tap(intent="rate_skip")
    client.wait_until(lambda s: s["screen"] == "pickup_door" and any(b["intent"] == "cancel" for b in s["buttons"]),
                      30, "the pickup done")
    taken.append(shoot(client, shots, "04_done"))
    client.tap(intent="cancel")
    stack.simulator.lift()
    client.wait_for_screen("pickup_code", 30)
    digits = stack.deposits["rose_leslie"]["digits"] or ""
    print(f"tour: typing rose_leslie's digits {digits[:4]}****")
    for key in digits[:4]:
        client.tap(intent="pickup_key", arg=key)
    taken.append(shoot(client, shots, "05_typing"))
    return taken


HELP = ("place <person> | lift | unplug | plug | shot [name] (screenshot) | wait <screen> | screen | quit")


def run_interactive(stack: DemoStack, shots: Path) -> None:
    from peripherals.idcard import card_keys

    keys = list(card_keys())
    print(f"\nThe kiosk is up. Commands: {HELP} (Ctrl-C also quits).")
    print("Demo persons: " + ", ".join(keys) + "  (lin_manuel_miranda's card has expired)")
    count = 0
    while stack.kiosk.alive():
        try:
            line = input("demo> ").strip()
        except EOFError:
            return
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "place" and len(words) == 2 and words[1] in keys:
                stack.simulator.place(words[1])
            elif words[0] == "lift":
                stack.simulator.lift()
            elif words[0] == "unplug":
                stack.simulator.unplug()
            elif words[0] == "plug":
                stack.simulator.plug()
            elif words[0] == "shot":
                count += 1
                shoot(stack.client, shots, words[1] if len(words) > 1 else f"shot_{count:02d}")
            elif words[0] == "wait" and len(words) == 2:
                stack.client.wait_for_screen(words[1], 30)
            elif words[0] == "screen":
                print("  " + stack.client.state()["screen"])
            elif words[0] in ("quit", "exit"):
                return
            else:
                print(HELP)
        except ControlError as exc:
            print(f"  {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / "var" / "demo",
                        help="working directory for logs, config and screenshots (default var/demo)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--tour", action="store_true", help="play the scripted tour and exit, even with a display")
    mode.add_argument("--interactive", action="store_true", help="stay up with terminal commands (needs a display)")
    parser.add_argument("--site", choices=("hall", "locker"), default="hall",
                        help="hall kiosk (default) or certificate pickup locker (scanner and lock board simulated)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    problems = environment_problems()
    if problems:
        for problem in problems:
            print(f"demo: {problem}", file=sys.stderr)
        return 1
    workdir = args.dir.resolve()
    has_display = bool(os.environ.get("DISPLAY"))
    tour = args.tour or not (args.interactive or has_display)
    if args.interactive and not has_display:
        print("demo: --interactive needs a display (DISPLAY is not set)", file=sys.stderr)
        return 1
    shots = workdir / "screenshots"
    print(f"demo: starting the gateway, the ID card simulator and the kiosk UI (logs in {workdir})")
    if not has_display:
        print("demo: no display: the kiosk runs under Xvfb (1080x1920)")
    started = time.monotonic()
    # A terminated demo still stops what it started: SIGTERM unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The receipt printer is simulated on a pty too, so paying and proofs are offered as on a real hall kiosk;
    # proofs are saved as PDFs under the demo folder.
    from peripherals.printer.simulator import ReceiptPrinterSimulator

    printer = ReceiptPrinterSimulator(link=workdir / "dev" / "receipt-printer").start()
    devices = {"receipt_printer": {"enabled": True, "url": f"serial:{printer.path}", "poll_interval_s": 1.0}}
    if args.site == "hall":
        devices["document_printer"] = {"enabled": True, "output_dir": str(workdir / "printed")}
    stack = DemoStack(workdir, display=os.environ.get("DISPLAY") if has_display else None,
                      config_extra={"devices": devices}, site=args.site,
                      locker_load=LOCKER_TOUR if args.site == "locker" else ())
    try:
        stack.start()
        print(f"demo: up in {time.monotonic() - started:.1f} s; gateway {stack.gateway.url}, "
              f"card reader {stack.simulator.path}")
        if tour:
            taken = (run_locker_tour if args.site == "locker" else run_tour)(stack, shots)
            print(f"\ndemo: tour done; {len(taken)} screenshots are in {shots}")
        else:
            run_interactive(stack, shots)
    except (DemoError, ControlError, VirtualDisplayError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        print(f"demo: logs: {workdir / 'kiosk.log'}, {workdir / 'gateway.log'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print()
    finally:
        stack.stop()
        printer.stop()
        print("demo: stopped the kiosk, the simulators and the gateway")
    return 0


if __name__ == "__main__":
    sys.exit(main())
