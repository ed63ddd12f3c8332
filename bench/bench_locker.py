"""Lock-board figures over the pty simulators: a status read, an open with sensor confirmation, and parser speed.

Run: .venv/bin/python bench/bench_locker.py
Each figure is printed against a floor from the same run: the wire time of the reply bytes a read or an open must
wait for at the family's baud rate (the simulator paces bytes like a UART), and for the parsers a plain bytes.find
scan of the same stream plus the line rate they must keep up with.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peripherals.locker import LockController, make_protocol, make_simulator  # noqa: E402
from peripherals.locker import eight_a, kerong  # noqa: E402
from peripherals.simbase import wire_time  # noqa: E402

ROUNDS = 30


def bench_family(family: str) -> None:
    board = 0 if family == "kerong" else 1
    with make_simulator(family, (board,)) as sim:
        ctl = LockController(sim.path, make_protocol(family), (board,))
        try:
            ctl.read_board(board)
            reads = []
            for _ in range(ROUNDS):
                t = time.perf_counter()
                assert ctl.read_board(board).ok
                reads.append(time.perf_counter() - t)
            opens = []
            for i in range(ROUNDS):
                lock = i % 8 + 1
                t = time.perf_counter()
                assert ctl.open_lock(board, lock).opened
                opens.append(time.perf_counter() - t)
                sim.close_door(board, lock)
        finally:
            ctl.close()
    # Only the boards' replies cross a paced line: the simulator writes like a UART, the driver's writes to a pty
    # arrive at once. So the floor is the reply bytes' wire time.
    if family == "kerong":
        read_bytes = 9  # status reply
        open_bytes = 9 + 9  # pre-check status, unlock answered with a status frame (the proof itself)
    else:
        read_bytes = 7  # bitmap reply
        open_bytes = 7 + 5 + 7  # pre-check, open reply, confirming read
    baud = make_protocol(family).default_baud
    floor_read, floor_open = wire_time(read_bytes, baud), wire_time(open_bytes, baud)
    read_ms, open_ms = statistics.median(reads) * 1000, statistics.median(opens) * 1000
    print(f"{family:6s} status read  median {read_ms:6.2f} ms   wire floor {floor_read * 1000:6.2f} ms   "
          f"ratio {read_ms / (floor_read * 1000):5.2f}")
    print(f"{family:6s} open+confirm median {open_ms:6.2f} ms   wire floor {floor_open * 1000:6.2f} ms   "
          f"ratio {open_ms / (floor_open * 1000):5.2f}")


def bench_parsers() -> None:
    noise = bytes(range(256)) * 4
    kerong_stream = (noise + kerong.status_reply(0x10, 1, 2, 3, 4)) * 200
    eight_a_stream = (noise + eight_a.bitmap_reply(1, 0x123456) + bytes.fromhex("82 01 05 00 86")) * 200
    for name, stream, parser_factory, marker in (
            ("kerong", kerong_stream, kerong.KerongParser, b"\x02"),
            ("8a", eight_a_stream, eight_a.EightAParser, b"\x8a")):
        t = time.perf_counter()
        frames = 0
        parser = parser_factory()
        for i in range(0, len(stream), 64):
            frames += len(parser.feed(stream[i:i + 64]))
        parse_s = time.perf_counter() - t
        t = time.perf_counter()
        found, start = 0, 0
        while (start := stream.find(marker, start) + 1) > 0:
            found += 1
        scan_s = time.perf_counter() - t
        mb = len(stream) / 1e6
        line = (19200 if name == "kerong" else 9600) / 10 / 1e6
        print(f"{name:6s} parser {mb / parse_s:7.2f} MB/s ({frames} frames)   bytes.find {mb / scan_s:8.1f} MB/s "
              f"(parser/find {scan_s / parse_s:6.4f})   line rate {line:.4f} MB/s (parser/line {mb / parse_s / line:6.0f})")


if __name__ == "__main__":
    for fam in ("kerong", "8a"):
        bench_family(fam)
    bench_parsers()
