"""Kiosk calls while staff sign-ins flood the dashboard: latency of a kiosk's event delivery alone (the floor) and
during a flood of parallel sign-ins with the right password (each one a 16 MiB scrypt hash).

    .venv/bin/python bench/bench_login_flood.py [--flooders 40] [--seconds 4]

Starts `kiosk-gateway --demo` (SQLite in a temporary directory) on a free port. The kiosk call is POST
/v1/kiosk-events, a sync endpoint: it runs in the same worker-thread pool as the sign-in form, which is what a flood
of password hashes starved (issue 18: kiosk token minting went from 6 ms to 912 ms median under 40 parallel logins).
The gateway hashes at most two passwords at once and answers further sign-ins "busy" at once
(gateway/dashboard/login_guard.py). Printed: median and p90 of the kiosk call alone (the floor), while as many
clients only load the sign-in page, and while they sign in; ratios to the floor; what the sign-ins were answered.
"""
from __future__ import annotations

import argparse
import collections
import json
import logging
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent  # the gateway under test: this checkout
sys.path.insert(0, str(ROOT))
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def kiosk_calls(base: str, key: str, seconds: float, tag: str) -> list[float]:
    """Closed loop of event deliveries for `seconds`; each call's latency in ms."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    latencies, n = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        n += 1
        started = time.perf_counter()
        response = session.post(f"{base}/v1/kiosk-events", timeout=30,
                                headers={"Idempotency-Key": f"bench-{tag}-{n}"},
                                json={"kind": "bench.note", "occurred_at": "2026-01-01T00:00:00+00:00",
                                      "payload": {"n": n}})
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"kiosk call failed: {response.status_code} {response.text[:200]}")
    return latencies


def flood(base: str, stop: threading.Event, answers: collections.Counter, lock: threading.Lock,
          kind: str = "sign-in") -> None:
    session = requests.Session()
    while not stop.is_set():
        form = session.get(f"{base}/dashboard/login", timeout=30)
        if kind == "page":  # the same clients only loading the sign-in page: the cost of 40 clients without hashing
            with lock:
                answers[form.status_code] += 1
            continue
        csrf = CSRF_RE.search(form.text).group(1)
        response = session.post(f"{base}/dashboard/login", timeout=30, allow_redirects=False,
                                data={"username": "viewer", "password": "viewer-demo-pass", "csrf": csrf})
        with lock:
            answers[response.status_code] += 1


def summary(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.9)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flooders", type=int, default=40, help="parallel sign-in loops (default 40)")
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per phase (default 4)")
    args = parser.parse_args(argv)
    from gateway.testing import free_port, wait_healthy

    with tempfile.TemporaryDirectory(prefix="bench-login-") as tmp:
        port, creds = free_port(), Path(tmp) / "creds.json"
        server = subprocess.Popen([sys.executable, "-m", "gateway.cli", "--demo", "--port", str(port), "--database",
                                   f"sqlite:///{Path(tmp) / 'gateway.db'}", "--credentials-out", str(creds),
                                   "--rate-limit-per-minute", "0", "--log-level", "WARNING"],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_healthy(base, server):
                server.kill()  # a gateway that never answered: its stderr says why
                print(server.stderr.read(), file=sys.stderr)
                return 1
            key = next(c["api_key"] for c in json.loads(creds.read_text()) if c["kiosk_id"] == "demo-hall-01")
            kiosk_calls(base, key, 0.5, "warmup")
            floor = kiosk_calls(base, key, args.seconds, "floor")
            phases, answered = {}, {}
            for kind in ("page", "sign-in"):
                stop, answers, lock = threading.Event(), collections.Counter(), threading.Lock()
                threads = [threading.Thread(target=flood, args=(base, stop, answers, lock, kind), daemon=True)
                           for _ in range(args.flooders)]
                for t in threads:
                    t.start()
                time.sleep(0.5)  # the flood under way
                phases[kind] = kiosk_calls(base, key, args.seconds, kind)
                stop.set()
                for t in threads:
                    t.join(30)
                answered[kind] = answers
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    floor_p50, floor_p90 = summary(floor)
    print(f"kiosk event delivery, {args.seconds:g} s per phase; {args.flooders} parallel client loops in each flood")
    print(f"{'phase':<22}{'calls':>7}{'p50 ms':>9}{'p90 ms':>9}")
    print(f"{'floor (no flood)':<22}{len(floor):>7}{floor_p50:>9.1f}{floor_p90:>9.1f}")
    names = {"page": "flood: sign-in page", "sign-in": "flood: sign-ins"}
    for kind, latencies in phases.items():
        p50, p90 = summary(latencies)
        print(f"{names[kind]:<22}{len(latencies):>7}{p50:>9.1f}{p90:>9.1f}"
              f"   {p50 / floor_p50:.1f}x p50, {p90 / floor_p90:.1f}x p90 of the floor")
    print("sign-ins answered: " + ", ".join(f"{code}: {n}" for code, n in sorted(answered["sign-in"].items()))
          + " (303 signed in, 503 busy: another sign-in was hashing)")
    print("'sign-in page' is the same number of clients without a password hash: what the flood costs on this "
          "machine whatever the gateway does about hashing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
