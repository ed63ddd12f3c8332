"""Gateway throughput and p99 latency on loopback: heartbeats and case status, each next to GET /v1/health (the floor).

    .venv/bin/python bench/bench_gateway.py [--workers 1,2,4] [--clients 4] [--seconds 3] [--database URL] [--pgbouncer]

Starts `kiosk-gateway` (uvicorn, SQLite in a temporary directory unless --database says otherwise) on a free port,
then runs closed-loop clients in separate processes, one kiosk each, over keep-alive connections. Every phase runs for
a fixed time after a short warm-up; the whole run is bounded. Figures are printed as ratios to the floor measured in
the same run, on the same server, and with the server's CPU time per request (read from /proc), which on a machine
others share is steadier than requests per second.

Workers: one by default on SQLite; on PostgreSQL 1, 2 and 4 in turn (a fresh gateway each, the floor measured again
for each), to show how throughput grows with processes on this machine. SQLite has one write lock for the whole
database, so a second process adds lock waits rather than throughput in this closed loop. `--pgbouncer` puts a
PgBouncer in transaction pooling mode between the gateways and PostgreSQL (bench/pg_cluster.py), as in production.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import json
import logging
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
OBAMA = "110105196108041235"
HEARTBEAT = {"devices": {"card_reader": "online", "camera": "online", "receipt_printer": "media_low",
                         "document_printer": "online", "scanner": "online"},
             "stock": {"receipt_paper_pct": 35, "a4_sheets": 410, "blank_certificates": 88},
             "outbox_depth": 0, "version": "0.1.0", "uptime_s": 3600.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(port: int, api_key: str, phase: str, warmup_s: float, seconds: float, start_at: float, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    auth = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    token = None
    if phase == "cases":
        conn.request("POST", "/v1/applicant-tokens", body=json.dumps({"id_number": OBAMA,
                                                                      "method": "card_only_demo"}), headers=auth)
        token = json.loads(conn.getresponse().read())["token"]
    heartbeat = json.dumps(HEARTBEAT)
    while time.time() < start_at:
        time.sleep(0.005)
    measure_from = start_at + warmup_s
    stop_at = measure_from + seconds
    latencies, errors = [], 0
    while True:
        t0 = time.perf_counter()
        now = time.time()
        if now >= stop_at:
            break
        if phase == "floor":
            conn.request("GET", "/v1/health")
        elif phase == "heartbeats":
            conn.request("POST", "/v1/heartbeats", body=heartbeat, headers=auth)
        else:
            conn.request("GET", "/v1/cases", headers={**auth, "X-Applicant-Token": token})
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - t0
        if now >= measure_from:
            if response.status != 200:
                errors += 1
            latencies.append(elapsed)
    conn.close()
    out.put((latencies, errors))


def process_tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants (the uvicorn workers), from /proc.
    On a shared machine this is steadier than throughput: it does not depend on how much CPU others left us."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))
    ticks, todo = 0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            ticks += int(stats[current][11]) + int(stats[current][12])  # utime, stime
        todo.extend(children.get(current, []))
    return ticks / os.sysconf("SC_CLK_TCK")


def run_phase(port: int, keys: list[str], phase: str, clients: int, warmup_s: float, seconds: float,
              server_pid: int) -> dict:
    out = mp.Queue()
    start_at = time.time() + 1.0
    procs = [mp.Process(target=_client, args=(port, keys[i % len(keys)], phase, warmup_s, seconds, start_at, out))
             for i in range(clients)]
    for p in procs:
        p.start()
    # The server's CPU is read over the measured window (warm-up excluded), so it matches the counted requests.
    time.sleep(max(0.0, start_at + warmup_s - time.time()))
    cpu_before = process_tree_cpu_s(server_pid)
    time.sleep(max(0.0, start_at + warmup_s + seconds - time.time()))
    cpu_used = process_tree_cpu_s(server_pid) - cpu_before
    results = [out.get(timeout=warmup_s + seconds + 60) for _ in procs]
    for p in procs:
        p.join(10)
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    return {"phase": phase, "requests": len(latencies), "errors": errors, "rps": len(latencies) / seconds,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"), "p99_ms": p99 * 1000,
            "cpu_ms": cpu_used * 1000 / max(1, len(latencies))}


def start_gateway(database: str, workers: int, *, pgbouncer: bool, tmp: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # The rate limit stays on (its database write is part of every call's cost) but high enough never to refuse.
    args = [sys.executable, "-m", "gateway.cli", "--demo", "--port", str(port), "--database", database,
            "--credentials-out", str(tmp / "creds.json"), "--workers", str(workers),
            "--rate-limit-per-minute", "100000000", "--log-level", "WARNING"] + (["--pgbouncer"] if pgbouncer else [])
    server = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/v1/health")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"the gateway did not start: {server.stderr.read()[-2000:]}")
        time.sleep(0.2)


def stop_gateway(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()


def measure(database: str, workers: int, keys: list[str], args, tmp: Path, extra_pid: int | None,
            db_pid: int | None = None) -> list[dict]:
    """floor, heartbeats, floor, cases on one freshly started gateway; each row with the server's CPU per request
    (and the pooler's, when there is one)."""
    server, port = start_gateway(database, workers, pgbouncer=extra_pid is not None, tmp=tmp)
    try:
        rows = []
        for phase in ("floor", "heartbeats", "floor", "cases"):
            before = process_tree_cpu_s(extra_pid) if extra_pid else 0.0
            db_before = process_tree_cpu_s(db_pid) if db_pid else 0.0
            row = run_phase(port, keys, phase, args.clients, args.warmup, args.seconds, server.pid)
            pooler = (process_tree_cpu_s(extra_pid) - before) if extra_pid else 0.0
            row["pooler_cpu_ms"] = pooler * 1000 / max(1, row["requests"])
            # Over the phase with its warm-up (the server's own figure is over the measured window only).
            row["db_cpu_ms"] = ((process_tree_cpu_s(db_pid) - db_before) * 1000 / max(1, row["requests"])
                                * args.seconds / (args.seconds + args.warmup + 1.0)) if db_pid else None
            rows.append(row)
        return rows
    finally:
        stop_gateway(server)


def print_rows(rows: list[dict], workers: int) -> None:
    print(f"-- {workers} worker(s)")
    print(f"{'phase':<12}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'server CPU':>12}"
          f"{'vs floor':>34}")
    floor_for = {"heartbeats": rows[0], "cases": rows[2]}
    for row in rows:
        floor = floor_for.get(row["phase"])
        ratio = (f"{row['rps'] / floor['rps']:.2f}x rps, {row['p99_ms'] / floor['p99_ms']:.1f}x p99, "
                 f"{row['cpu_ms'] / floor['cpu_ms']:.1f}x CPU" if floor else "(floor)")
        print(f"{row['phase']:<12}{row['requests']:>10}{row['errors']:>8}{row['rps']:>10.0f}{row['p50_ms']:>9.2f}"
              f"{row['p99_ms']:>9.2f}{row['cpu_ms']:>9.3f} ms{ratio:>34}")


def demo_kiosk_keys(database: str, count: int) -> list[str]:
    """`count` demo hall kiosks (bench-00, ...) registered before the first gateway starts: a --demo gateway seeds
    its demo data only into a database whose kiosks are all demo ones, and only a demo kiosk may take the
    card_only_demo applicant token the case-list phase uses. Their API keys."""
    sys.path.insert(0, str(ROOT))
    from gateway.db import make_engine, make_sessionmaker, migrate
    from gateway.seed import register_kiosk

    engine = make_engine(database)
    try:
        migrate(engine)
        with make_sessionmaker(engine)() as db:
            return [register_kiosk(db, f"bench-{i:02d}", "hall", demo=True) for i in range(count)]
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", help="uvicorn worker processes, one count or several: 1,2,4 (default: 1 on "
                                          "SQLite, 1,2,4 on PostgreSQL)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per phase (default 3)")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temporary directory); on "
                                           "PostgreSQL a fresh database is made on that server for the run")
    parser.add_argument("--pgbouncer", action="store_true", help="PostgreSQL through a PgBouncer (transaction "
                                                                 "pooling) started for the run")
    args = parser.parse_args(argv)

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-gateway-")))
        database = args.database or f"sqlite:///{tmp / 'gateway.db'}"
        on_sqlite = database.startswith("sqlite")
        db_pid = None
        if not on_sqlite:
            from pg_cluster import fresh_database, pgbouncer, server_pid
            db_pid = server_pid(database)
            database = stack.enter_context(fresh_database(database))
        pooler_pid = None
        keys = demo_kiosk_keys(database, args.clients)
        if args.pgbouncer:
            if on_sqlite:
                raise SystemExit("--pgbouncer needs a PostgreSQL --database")
            database = stack.enter_context(pgbouncer(database))
            pooler_pid = database.pid
        counts = [int(n) for n in (args.workers or ("1" if on_sqlite else "1,2,4")).split(",")]
        backend = database.split(":", 1)[0] + (" through PgBouncer (transaction pooling)" if args.pgbouncer else "")
        # uvicorn picks httptools and uvloop when installed (setup.cfg pins them), else h11 and asyncio.
        parser_name = "httptools" if importlib.util.find_spec("httptools") else "h11"
        loop_name = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
        print(f"gateway: uvicorn ({parser_name}, {loop_name}), {backend}; {args.clients} client processes, "
              f"{args.seconds:g} s per phase after {args.warmup:g} s warm-up; {os.cpu_count()} CPUs")
        results = {}
        for workers in counts:
            results[workers] = measure(str(database), workers, keys, args, tmp, pooler_pid, db_pid)
            print_rows(results[workers], workers)
    print("server CPU: the gateway processes' CPU time per answered request over the measured window; on a machine "
          "others share, it is steadier than req/s")
    print("by workers (heartbeats/s and case lists/s, each also as a ratio to the floor measured just before it):")
    for workers, rows in results.items():
        hb, cases = rows[1], rows[3]
        pooler = f", PgBouncer {hb['pooler_cpu_ms']:.3f} ms CPU per heartbeat" if args.pgbouncer else ""
        if hb.get("db_cpu_ms") is not None:
            pooler += f", PostgreSQL ~{hb['db_cpu_ms']:.3f} ms per heartbeat, ~{cases['db_cpu_ms']:.3f} per case list"
        print(f"  {workers} worker(s): {hb['rps']:6.0f} heartbeats/s ({hb['rps'] / rows[0]['rps']:.2f}x floor, "
              f"p99 {hb['p99_ms']:.1f} ms, {hb['cpu_ms']:.3f} ms server CPU = {hb['cpu_ms'] / rows[0]['cpu_ms']:.1f}x "
              f"floor){pooler}; {cases['rps']:6.0f} case lists/s ({cases['rps'] / rows[2]['rps']:.2f}x floor, "
              f"p99 {cases['p99_ms']:.1f} ms, {cases['cpu_ms']:.3f} ms = {cases['cpu_ms'] / rows[2]['cpu_ms']:.1f}x)")
    best = max(results.values(), key=lambda rows: rows[1]["rps"])[1]
    print(f"aim: >= 1000 heartbeats/s with p99 < 50 ms -> best {best['rps']:.0f}/s, p99 {best['p99_ms']:.1f} ms: "
          f"{'met' if best['rps'] >= 1000 and best['p99_ms'] < 50 else 'NOT met'}")
    hb_cpu = min(rows[1]["cpu_ms"] for rows in results.values())
    print(f"sizing: one heartbeat costs {hb_cpu:.3f} ms of gateway CPU here, so 3,333 heartbeats/s (100,000 "
          f"terminals at one per 30 s) need {3333 * hb_cpu / 1000:.1f} cores of gateway CPU on this machine's cores "
          f"(README, Deployment)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
