"""Two gateway processes on different ports (two hosts behind a load balancer) sharing one PostgreSQL: a kiosk's rate
limit, its queued commands, a staff sign-in, the sign-in lockout and the verification look-up limit hold whichever
host answers."""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from gateway.dashboard.login_guard import MAX_FAILURES_PER_USER
from gateway.secret_files import create_private_file
from gateway.settings import GatewaySettings
from gateway.testing import free_port, wait_healthy
from kiosk_testkit.processes import stop_process

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("KIOSK_TEST_PG_URL")
LIMIT = 12


@pytest.fixture
def database():
    if not PG_URL:
        pytest.skip("KIOSK_TEST_PG_URL is not set (scripts/postgres.sh start prints one)")
    url = make_url(PG_URL)
    name = f"t_cluster_{secrets.token_hex(4)}"
    admin = dict(host=url.host, port=url.port, user=url.username, password=url.password, dbname="postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _audit_key_file(tmp: Path) -> Path:
    """The secret every host seals the shared audit chain with (a shared database refuses the demo key)."""
    path = tmp / "audit.key"
    if not path.exists():
        create_private_file(path)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return path


def _start(database: str, tmp: Path, name: str, *, demo: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    args = [sys.executable, "-m", "gateway.cli", "--host", "127.0.0.1", "--port", str(port), "--database", database,
            "--rate-limit-per-minute", str(LIMIT), "--log-level", "WARNING", "--audit-key-file",
            str(_audit_key_file(tmp))]
    if demo:
        args += ["--demo", "--credentials-out", str(tmp / "creds.json")]
    log = open(tmp / f"{name}.log", "ab")
    proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    if not wait_healthy(url, proc):
        proc.kill()
        proc.wait(10)
        raise RuntimeError(f"gateway {name} did not answer; see {tmp / f'{name}.log'}")
    return proc, url


@pytest.fixture
def two_hosts(database, tmp_path):
    first, url_a = _start(database, tmp_path, "a", demo=True)  # seeds the demo data, then a second host joins
    procs = [first]
    try:
        second, url_b = _start(database, tmp_path, "b", demo=False)
        procs.append(second)
        creds = {c["kiosk_id"]: c["api_key"] for c in json.loads((tmp_path / "creds.json").read_text())}
        yield url_a, url_b, creds
    finally:
        for proc in procs:
            stop_process(proc, 15)


def test_the_rate_limit_is_shared_by_both_hosts(two_hosts):
    url_a, url_b, creds = two_hosts
    headers = {"Authorization": f"Bearer {creds['demo-hall-01']}"}
    for _attempt in range(2):  # a burst that straddles a minute boundary is tried again in the next window
        window = int(time.time() // 60)
        answers = [requests.post((url_a, url_b)[i % 2] + "/v1/heartbeats", json={}, headers=headers, timeout=10)
                   for i in range(LIMIT + 4)]
        if int(time.time() // 60) == window:
            break
    statuses = [a.status_code for a in answers]
    assert statuses == [200] * LIMIT + [429] * 4  # counted together, whichever host answered
    assert answers[-1].json()["error"]["code"] == "rate_limited" and "Retry-After" in answers[-1].headers


def test_a_command_queued_on_one_host_is_delivered_by_the_other(two_hosts, database, tmp_path):
    url_a, url_b, creds = two_hosts
    done = subprocess.run([sys.executable, "-m", "gateway.cli", "--database", database, "queue-command",
                           "demo-bank-01", "print_test_page"], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(_audit_key_file(tmp_path))})
    assert done.returncode == 0
    headers = {"Authorization": f"Bearer {creds['demo-bank-01']}"}
    reply = requests.post(url_b + "/v1/heartbeats", json={}, headers=headers, timeout=10).json()
    assert [c["kind"] for c in reply["commands"]] == ["print_test_page"]
    again = requests.post(url_a + "/v1/heartbeats", json={}, headers=headers, timeout=10).json()
    assert again["commands"] == []  # delivered once, by whichever host


def test_a_staff_sign_in_on_one_host_holds_on_the_other(two_hosts):
    url_a, url_b, _ = two_hosts
    browser = requests.Session()
    form = browser.get(url_a + "/dashboard/login", timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    signed = browser.post(url_a + "/dashboard/login", data={"username": "viewer", "password": "viewer-demo-pass",
                                                           "csrf": csrf}, allow_redirects=False, timeout=10)
    assert signed.status_code == 303
    cookies = {c.name: c.value for c in browser.cookies}
    fleet = requests.get(url_b + "/dashboard/api/fleet", cookies=cookies, timeout=10)
    assert fleet.status_code == 200 and fleet.json()["total"] == 3


def _sign_in(url: str, password: str) -> requests.Response:
    browser = requests.Session()
    form = browser.get(url + "/dashboard/login", timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return browser.post(url + "/dashboard/login", data={"username": "viewer", "password": password, "csrf": csrf},
                        allow_redirects=False, timeout=10)


def test_a_sign_in_lockout_earned_on_both_hosts_holds_on_each(two_hosts):
    url_a, url_b, _ = two_hosts
    for i in range(MAX_FAILURES_PER_USER):  # the failures alternate hosts: counted together in the database
        assert _sign_in((url_a, url_b)[i % 2], f"wrong-{i}").status_code == 401
    for url in (url_a, url_b):  # now the right password is refused on either host, until the window ends
        locked = _sign_in(url, "viewer-demo-pass")
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_the_verification_look_up_limit_is_shared_by_both_hosts(two_hosts):
    url_a, url_b, _ = two_hosts
    limit = GatewaySettings().verify_rate_limit_per_minute
    for _attempt in range(2):  # a burst that straddles a minute boundary is tried again in a fresh window
        if time.time() % 60 > 45 or _attempt:  # the count is per clock minute: start the burst at one's beginning
            time.sleep(60.2 - time.time() % 60)
        window = int(time.time() // 60)
        answers = [requests.get((url_a, url_b)[i % 2] + "/verify/NOSUCHCODE2345", timeout=10)
                   for i in range(limit + 2)]
        if int(time.time() // 60) == window:
            break
    assert [a.status_code for a in answers] == [404] * limit + [429] * 2  # guessing codes: one count for both
