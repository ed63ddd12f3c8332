"""Benchmark: ID card read latency through the simulator (paced at the baud rate) against the wire time of its bytes.

Run: .venv/bin/python bench/bench_idcard_read.py [--runs N] [--baud B] [--poll S]

Figures, each a ratio to a floor from the same run:
- read latency (the poll that finds the card -> CardRead) / wire time of the bytes exchanged (aim: <= 1.3);
- the same latency / a raw find-select-read through the same pty without the driver (the measured floor);
- polling overhead (card placed -> the poll that finds it) / the poll interval (aim: <= 1.0).
"""
from __future__ import annotations

import argparse
import queue
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import serial  # noqa: E402

from peripherals.idcard import CardRead, CardReader, CardRemoved, IdCardSimulator  # noqa: E402
from peripherals.idcard import protocol as p  # noqa: E402
from peripherals.simbase import wire_time  # noqa: E402


def wait_for(events: queue.Queue, kind, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=left)
        except queue.Empty:
            break
        if isinstance(event, kind):
            return event
    raise SystemExit(f"benchmark failed: no {kind.__name__} within {timeout} s")


def raw_exchange(path: str, baud: int) -> tuple[float, int]:
    """find, select, read on the bare port: (seconds, bytes exchanged). The floor the driver is measured against."""
    exchange = ((p.FIND_CARD, 15), (p.SELECT_CARD, 19), (p.READ_TEXT_PHOTO, 1295))
    with serial.serial_for_url(path, baudrate=baud, timeout=2.0) as port:
        start = time.monotonic()
        total = 0
        for command, reply_len in exchange:
            frame = command.frame()
            port.write(frame)
            reply = port.read(reply_len)
            if len(reply) != reply_len:
                raise SystemExit("benchmark failed: short reply on the raw exchange")
            total += len(frame) + len(reply)
        return time.monotonic() - start, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--poll", type=float, default=0.25, help="poll interval in seconds (default 0.25)")
    parser.add_argument("--card", default="obama")
    args = parser.parse_args()
    rng = random.Random(7)

    with tempfile.TemporaryDirectory() as folder, \
            IdCardSimulator(baud=args.baud, link=Path(folder) / "ttyIDCARD") as sim:
        sim.place(args.card)
        floors = [raw_exchange(sim.path, args.baud) for _ in range(3)]
        floor_s = min(f[0] for f in floors)
        sim.lift()

        events: queue.Queue = queue.Queue()
        reader = CardReader(sim.path, baud=args.baud, poll_interval_s=args.poll)
        reader.add_listener(events.put)
        reader.start()
        latencies, wires, overheads = [], [], []
        try:
            for _ in range(args.runs):
                time.sleep(args.poll * (1 + rng.random()))  # any phase against the polling loop
                placed = time.monotonic()
                sim.place(args.card)
                wait_for(events, CardRead)
                done = time.monotonic()
                seen = reader.last_card_seen_at
                latencies.append(done - seen)
                wires.append(wire_time(reader.last_read_bytes, args.baud))
                overheads.append(max(0.0, seen - placed))
                sim.lift()
                wait_for(events, CardRemoved)
        finally:
            reader.stop()

    ratio = [lat / wire for lat, wire in zip(latencies, wires)]
    print(f"ID card read through the simulator at {args.baud} baud, poll interval {args.poll * 1000:.0f} ms, "
          f"{args.runs} reads of the {args.card} card")
    print(f"  bytes exchanged per read (find, select, read): {reader.last_read_bytes}, wire time "
          f"{statistics.mean(wires) * 1000:.1f} ms")
    print(f"  raw find-select-read on the bare pty (floor):   {floor_s * 1000:.1f} ms")
    print(f"  read latency (find -> CardRead): median {statistics.median(latencies) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms")
    print(f"  latency / wire time:  median {statistics.median(ratio):.3f}x, max {max(ratio):.3f}x (aim <= 1.3x)")
    print(f"  latency / raw floor:  median {statistics.median(latencies) / floor_s:.3f}x, "
          f"max {max(latencies) / floor_s:.3f}x")
    print(f"  polling overhead (placed -> find): median {statistics.median(overheads) * 1000:.1f} ms, "
          f"max {max(overheads) * 1000:.1f} ms = {max(overheads) / args.poll:.2f} poll intervals (aim <= 1)")
    print(f"  card placed -> CardRead: max {max(l + o for l, o in zip(latencies, overheads)) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
