"""Fleet load: thousands of simulated kiosks heartbeating on loopback while staff load the dashboard.

    .venv/bin/python bench/bench_fleet.py [--kiosks 5000] [--interval 30] [--seconds 60] [--procs 3] [--workers 2]
    .venv/bin/python bench/bench_fleet.py --kiosks 100000 --connections 48 --seconds 30 --hosts 2 \
        --database postgresql+psycopg://postgres@127.0.0.1:55432/postgres --pgbouncer     # the provincial fleet

Starts `kiosk-gateway` (uvicorn, SQLite in a temporary directory unless --database says otherwise) with N registered
kiosks. Each simulated kiosk is its own small client: its own TCP connection (reopened when the server closed it
while idle, the reconnect counted in that beat's latency), its own schedule (a random phase in the interval, then one
heartbeat per interval), spread over a few worker processes running asyncio on raw streams. Meanwhile a probe process
sends GET /v1/health (the floor) at a steady rate, and the main process signs in to the dashboard and loads the fleet
page (HTML, CSS, JS and the auto-refresh JSON) every few seconds. The first interval is warm-up (every kiosk opens its
connection); figures are over the following --seconds. The whole run is bounded (setup + interval + seconds + 15 s).

A provincial fleet (100,000 terminals, 3,333 heartbeats/s) cannot hold a connection per kiosk from one machine:
with --connections N each client process stands for its share of the fleet over N keep-alive connections, every
kiosk still beating on its own schedule with its own key, and the warm-up is 30 s. --hosts 2 starts two gateway
processes on their own ports over the same database (two hosts behind a load balancer; the clients spread over
them), --pgbouncer puts PgBouncer in front of PostgreSQL. The dashboard pages and filters (100 kiosks a page), so its
load time is that of one page of the fleet, not of 100,000 rows.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import hashlib
import json
import logging
import multiprocessing as mp
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.testing import free_port, wait_healthy  # noqa: E402
from bench_gateway import process_tree_cpu_s  # noqa: E402  (the gateway's CPU from /proc)

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0  # a request slower than this counts as an error
MAX_WAITING_PER_CONNECTION = 20  # fleet mode: beats waiting for a free connection beyond this are not sent


def heartbeat_body(rng: random.Random, interval: float) -> bytes:
    printer = rng.choices(["online", "media_low", "media_out"], weights=[97, 2.5, 0.5])[0]
    body = {"devices": {"card_reader": {"status": "online", "reason": ""}, "camera": {"status": "online", "reason": ""},
                        "receipt_printer": {"status": printer, "reason": ""},
                        "document_printer": {"status": "online", "reason": ""}},
            "stock": {"receipt_paper_pct": rng.randint(20, 100), "blank_certificates": rng.randint(30, 200)},
            "outbox_depth": rng.randint(0, 3), "version": "0.1.0", "uptime_s": float(rng.randint(60, 10 ** 6)),
            "uptime_human": "1 day, 2:03:04", "heartbeat_interval_s": interval, "disk_free_pct": 61.5,
            "memory_used_pct": 38.2, "last_error": None, "out_of_service": False, "service_message": "",
            "doors_open": [], "command_results": []}
    return json.dumps(body).encode()


async def http(reader, writer, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed by the server")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


class Connection:
    """One client's keep-alive connection, reopened (inside the timed call) when the server closed it while idle."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.reconnects = 0

    async def call(self, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.reader is None or self.reader.at_eof():
                if self.writer is not None:
                    self.writer.close()
                    self.reconnects += 1
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            try:
                return await http(self.reader, self.writer, method, path, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.reader = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def one_kiosk(port, key, phase, interval, t0, end, body, out):
    conn = Connection(port)
    headers = {"Authorization": f"Bearer {key}"}
    due = t0 + phase
    try:
        while due < end:
            await asyncio.sleep(max(0.0, due - time.time()))
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(conn.call("POST", "/v1/heartbeats", headers, body), REQUEST_TIMEOUT)
            except asyncio.TimeoutError:
                status = -1
                conn.close()
                conn.reader = None
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                status = 0
                conn.close()
                conn.reader = None
            out.append((due - t0, time.perf_counter() - started, status))
            due += interval
    finally:
        out.append(("reconnects", conn.reconnects, 0))
        conn.close()


def run_loop(coroutine):
    """uvloop when installed (setup.cfg pins it for the gateway): the clients' own overhead is then a smaller part
    of what they measure."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def kiosk_worker(port, keys, interval, t0, end, seed, result_file):
    rng = random.Random(seed)

    async def run():
        out: list = []
        try:  # bounded: whatever was measured by then is kept
            await asyncio.wait_for(asyncio.gather(*(one_kiosk(port, key, rng.uniform(0, interval), interval, t0,
                                                              end, heartbeat_body(rng, interval), out)
                                                    for key in keys)), end - time.time() + REQUEST_TIMEOUT + 5)
        except asyncio.TimeoutError:
            pass
        return out
    results = run_loop(run())
    results.append(("cpu", time.process_time(), 0))
    Path(result_file).write_text(json.dumps(results))


def fleet_worker(ports, keys, interval, t0, end, seed, connections, result_file):
    """Many kiosks over a few keep-alive connections (a client process standing for thousands of terminals): each
    kiosk's heartbeat is due at its own phase in the interval and goes on the next free connection, spread over the
    gateway hosts. A row per heartbeat: (due, answered - due, status, service time): the lateness counts the wait for
    a free connection, so an overloaded cluster shows as growing latency, not as a quietly lower rate."""
    rng = random.Random(seed)
    schedule = sorted((rng.uniform(0, interval), key) for key in keys)
    bodies = [heartbeat_body(rng, interval) for _ in range(16)]

    async def run():
        free: asyncio.Queue = asyncio.Queue()
        for i in range(connections):
            free.put_nowait(Connection(ports[i % len(ports)]))
        out: list = []

        async def beat(due, key, body):
            conn = await free.get()
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(conn.call("POST", "/v1/heartbeats",
                                                             {"Authorization": f"Bearer {key}"}, body),
                                                   REQUEST_TIMEOUT)
            except (asyncio.TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError):
                status = 0
                conn.close()
                conn.reader = None
            service = time.perf_counter() - started
            free.put_nowait(conn)
            out.append((due - t0, time.time() - due, status, service))

        tasks = set()
        cycle = 0
        while True:
            for phase, key in schedule:
                due = t0 + cycle * interval + phase
                if due >= end:
                    break
                await asyncio.sleep(max(0.0, due - time.time()))
                if len(tasks) >= MAX_WAITING_PER_CONNECTION * connections:
                    # The cluster is not keeping up: this beat is not sent at all (status -2), rather than queued
                    # behind an ever longer backlog.
                    out.append((due - t0, 0.0, -2, 0.0))
                    continue
                task = asyncio.get_running_loop().create_task(beat(due, key, bodies[len(out) % len(bodies)]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            else:
                cycle += 1
                continue
            break
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT + 2)
            for task in late:
                task.cancel()
        return out

    results = run_loop(run())
    results.append(("cpu", time.process_time(), 0, 0))
    Path(result_file).write_text(json.dumps(results))


def health_worker(port, rate, connections, t0, end, result_file):
    async def prober(offset):
        conn, out, due = Connection(port), [], t0 + offset
        while due < end:
            await asyncio.sleep(max(0.0, due - time.time()))
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(conn.call("GET", "/v1/health", {}), REQUEST_TIMEOUT)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                status = 0
                conn.close()
                conn.reader = None
            out.append((due - t0, time.perf_counter() - started, status))
            due += connections / rate
        conn.close()
        return out

    async def run():
        parts = await asyncio.gather(*(prober(i / rate) for i in range(connections)))
        return [row for part in parts for row in part]
    Path(result_file).write_text(json.dumps(run_loop(run())))


def dashboard_loads(base: str, t0: float, end: float, every: float, out: list, errors: list) -> None:
    """Signs in as the demo viewer, then loads the fleet page with its assets and one auto-refresh fetch."""
    with requests.Session() as web:
        while True:  # a gateway busy reading the whole fleet for the first time may not answer at once
            try:
                form = web.get(f"{base}/dashboard/login", timeout=REQUEST_TIMEOUT)
                csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
                signed = web.post(f"{base}/dashboard/login", data={"username": "viewer",
                                                                   "password": "viewer-demo-pass", "csrf": csrf},
                                  timeout=REQUEST_TIMEOUT)
                break
            except (requests.RequestException, AttributeError) as exc:
                if time.time() > end - every:
                    errors.append(f"dashboard sign-in failed: {type(exc).__name__}")
                    return
        if "fleet_session" not in web.cookies:
            errors.append(f"dashboard sign-in failed: HTTP {signed.status_code}")
            return
        due = t0
        while due < end:
            time.sleep(max(0.0, due - time.time()))
            started = time.perf_counter()
            ok = True
            for path in ("/dashboard", "/dashboard/static/dashboard.css", "/dashboard/static/dashboard.js",
                         "/dashboard/api/fleet"):
                try:
                    ok = ok and web.get(base + path, timeout=REQUEST_TIMEOUT).status_code == 200
                except requests.RequestException:
                    ok = False
            out.append((due - t0, time.perf_counter() - started, 200 if ok else 0))
            due += every


def audit_key_file(folder: Path) -> Path:
    """A fresh audit seal secret (0600) for the run: the seeding here and every gateway host seal the shared audit
    chain with it (a gateway on a shared database refuses the demo key)."""
    from gateway.audit_chain import use_seal_key
    from gateway.secret_files import create_private_file

    path = folder / "audit.key"
    create_private_file(path)
    secret = secrets.token_urlsafe(32)
    path.write_text(secret, encoding="utf-8")
    use_seal_key(secret)
    return path


def seed(database: str, kiosks: int) -> list[str]:
    from sqlalchemy import insert

    from gateway.db import make_engine, make_sessionmaker, migrate
    from gateway.models import Kiosk
    from gateway.seed import demo_credentials, seed_demo

    engine = make_engine(database)
    migrate(engine)
    with make_sessionmaker(engine)() as db:
        seed_demo(db)
        demo_credentials(db)  # registers the demo kiosks, which makes this a demo database with demo staff
        keys = [secrets.token_urlsafe(32) for _ in range(kiosks)]
        now = dt.datetime.now(dt.timezone.utc)
        db.execute(insert(Kiosk), [{"kiosk_id": f"bench-{i:05d}", "site_kind": ("hall", "bank", "locker")[i % 3],
                                    "api_key_hash": hashlib.sha256(k.encode()).hexdigest(), "enabled": True,
                                    "demo": False, "created_at": now} for i, k in enumerate(keys)])
        db.commit()
    engine.dispose()
    return keys


def summarise(rows: list, start: float, column: int = 1) -> dict:
    measured = [r for r in rows if not isinstance(r[0], str) and r[0] >= start]
    lat = sorted(r[column] * 1000 for r in measured if r[2] == 200)
    errors = sum(1 for r in measured if r[2] != 200)
    if not lat:
        return {"requests": len(measured), "errors": errors, "p50": float("nan"), "p99": float("nan"),
                "max": float("nan")}
    return {"requests": len(measured), "errors": errors, "p50": statistics.median(lat),
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))], "max": lat[-1]}


def start_gateway(database: str, workers: int, pgbouncer: bool, log: Path,
                  audit_key: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # The rate limit stays on (its database write is part of every heartbeat's cost).
    server = subprocess.Popen([sys.executable, "-m", "gateway.cli", "--port", str(port), "--database", database,
                               "--workers", str(workers), "--log-level", "WARNING", "--audit-key-file", str(audit_key)]
                              + (["--pgbouncer"] if pgbouncer else []),
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
    if not wait_healthy(f"http://{HOST}:{port}", server):
        server.kill()  # a gateway that never answered: its log says why
        raise SystemExit(f"the gateway did not start: {log.read_text()[-2000:]}")
    return server, port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=5000)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between one kiosk's heartbeats")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time after the warm-up")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (default: one interval, or 5 s with "
                                                     "--connections)")
    parser.add_argument("--procs", type=int, default=3, help="client worker processes for the kiosks")
    parser.add_argument("--connections", type=int, default=0,
                        help="keep-alive connections per client process standing for all its kiosks (a fleet of "
                             "100,000); 0: every kiosk its own connection (default)")
    # Two: the dashboard's reads of the whole fleet then hold up only the heartbeats of the process serving them.
    parser.add_argument("--workers", type=int, default=2, help="gateway worker processes per host (default 2)")
    parser.add_argument("--hosts", type=int, default=1, help="gateway hosts (processes on their own ports sharing "
                                                             "the database; the clients spread over them)")
    parser.add_argument("--health-rate", type=float, default=10.0, help="floor probes per second")
    parser.add_argument("--dashboard-every", type=float, default=3.0, help="seconds between dashboard loads")
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temporary directory); on "
                                           "PostgreSQL a fresh database is made on that server for the run")
    parser.add_argument("--pgbouncer", action="store_true", help="PostgreSQL through a PgBouncer started for the run")
    args = parser.parse_args(argv)
    aggregate = args.connections > 0
    # With a fleet of 100,000 the warm-up covers each process's first full read of the fleet (the alert check's and
    # the dashboard's snapshot: gateway/dashboard/alerts.py), which later reads only refresh.
    warmup = args.warmup if args.warmup is not None else (30.0 if aggregate else args.interval)

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-fleet-"))
        database = args.database or f"sqlite:///{Path(tmp) / 'gateway.db'}"
        if not database.startswith("sqlite"):
            sys.path.insert(0, str(ROOT / "bench"))
            from pg_cluster import fresh_database, pgbouncer
            database = stack.enter_context(fresh_database(database))
            if args.pgbouncer:
                database = stack.enter_context(pgbouncer(database))
        setup_started = time.monotonic()
        audit_key = audit_key_file(Path(tmp))
        keys = seed(str(database), args.kiosks)
        servers, ports = [], []
        procs: list[mp.Process] = []
        try:
            for host in range(args.hosts):
                server, port = start_gateway(str(database), args.workers, args.pgbouncer,
                                             Path(tmp) / f"gateway-{host}.log", audit_key)
                servers.append(server)
                ports.append(port)
            setup_s = time.monotonic() - setup_started
            t0 = time.time() + 3
            end = t0 + warmup + args.seconds
            ctx = mp.get_context("spawn")
            files = []
            for i in range(args.procs):
                f = Path(tmp) / f"kiosks-{i}.json"
                files.append(f)
                if aggregate:
                    target, wargs = fleet_worker, (ports, keys[i::args.procs], args.interval, t0, end, 1000 + i,
                                                   args.connections, str(f))
                else:
                    target, wargs = kiosk_worker, (ports[i % len(ports)], keys[i::args.procs], args.interval, t0,
                                                   end, 1000 + i, str(f))
                procs.append(ctx.Process(target=target, args=wargs))
            health_file = Path(tmp) / "health.json"
            procs.append(ctx.Process(target=health_worker, args=(ports[0], args.health_rate, 4, t0, end,
                                                                 str(health_file))))
            for p in procs:
                p.start()
            pages: list = []
            page_errors: list = []
            # Signed in and loading from the start: the loads during the warm-up are not counted.
            dash = threading.Thread(target=dashboard_loads, args=(f"http://{HOST}:{ports[-1]}", t0, end,
                                                                 args.dashboard_every, pages, page_errors))
            dash.start()
            for p in procs:
                p.join(max(1.0, end - time.time() + 30))
                if p.is_alive():
                    p.terminate()
            dash.join(30)
            beats = [row for f in files if f.exists() for row in json.loads(f.read_text())]
            health = json.loads(health_file.read_text()) if health_file.exists() else []
            server_cpu = sum(process_tree_cpu_s(server.pid) for server in servers)
            pooler_cpu = process_tree_cpu_s(database.pid) if args.pgbouncer else 0.0
        finally:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for server in servers:
                server.terminate()
                try:
                    server.wait(15)
                except subprocess.TimeoutExpired:
                    server.kill()

    hb, floor, page = summarise(beats, warmup), summarise(health, warmup), summarise(pages, warmup)
    reconnects = sum(r[1] for r in beats if r[0] == "reconnects")
    rate = sum(1 for r in beats if not isinstance(r[0], str) and r[0] >= warmup and r[2] == 200) / args.seconds
    offered = args.kiosks / args.interval
    backend = str(database).split(":", 1)[0] + (" through PgBouncer" if args.pgbouncer else "")
    clients = (f"{args.procs} client processes x {args.connections} connections standing for the fleet" if aggregate
               else f"{args.procs} client processes, a connection per kiosk")
    print(f"gateway: uvicorn, {args.hosts} host(s) x {args.workers} worker(s), {backend}; {args.kiosks} kiosks, one "
          f"heartbeat each per {args.interval:g} s (offered {offered:.0f}/s); {clients}; {os.cpu_count()} CPUs; "
          f"setup {setup_s:.1f} s; measured {args.seconds:g} s after {warmup:g} s warm-up")
    print(f"{'what':<26}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'p99 vs floor':>14}")
    table = [("GET /v1/health (floor)", floor, floor["requests"] / args.seconds),
             ("POST /v1/heartbeats", hb, rate)]
    if aggregate:
        table.append(("  of which: server time", summarise(beats, warmup, column=3), None))
    table.append(("dashboard page load", page, None))
    for name, row, rps in table:
        ratio = "" if row is floor else f"{row['p99'] / floor['p99']:.1f}x"
        print(f"{name:<26}{row['requests']:>9}{row['errors']:>8}{(f'{rps:.0f}' if rps else ''):>8}"
              f"{row['p50']:>9.2f}{row['p99']:>9.2f}{row['max']:>9.2f}{ratio:>14}")
    if aggregate:
        print("heartbeat latency counts from the moment a beat was due (waiting for a free connection included); "
              "'server time' from when it was sent")
    else:
        print(f"heartbeat connections reopened after the server's idle timeout: {reconnects}")
    statuses = collections.Counter(r[2] for r in beats if not isinstance(r[0], str) and r[0] >= warmup)
    client_cpu = sum(r[1] for r in beats if r[0] == "cpu")
    answered = sum(1 for r in beats if not isinstance(r[0], str))
    print(f"kiosk client processes used {client_cpu:.1f} s of CPU in all "
          f"({1000 * client_cpu / max(1, answered):.2f} ms per heartbeat)")
    all_requests = answered + len(health) + 4 * len(pages)
    print(f"gateway CPU over the whole run: {server_cpu:.1f} s ({1000 * server_cpu / max(1, all_requests):.2f} ms per "
          f"request, dashboard loads included)" + (f"; PgBouncer {pooler_cpu:.1f} s" if args.pgbouncer else ""))
    print(f"heartbeat answers by HTTP status (-1 = no answer within {REQUEST_TIMEOUT:g} s, 0 = connection lost, "
          f"-2 = not sent: the cluster was not keeping up): "
          f"{dict(sorted(statuses.items()))}")
    for error in page_errors:
        print(error)
    met_rate = rate >= 0.95 * offered
    met_hb = hb["p99"] < 100 and hb["errors"] == 0
    met_page = page["requests"] > 0 and page["p99"] < 1000 and page["errors"] == 0
    print(f"aim: the offered {offered:.0f} heartbeats/s carried -> {rate:.0f}/s ({rate / offered:.2f}x): "
          f"{'met' if met_rate else 'NOT met'}; heartbeat p99 < 100 ms -> {hb['p99']:.1f} ms: "
          f"{'met' if met_hb else 'NOT met'}; dashboard page < 1 s -> worst {page['max']:.0f} ms: "
          f"{'met' if met_page else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
