"""Bench helpers for the PostgreSQL cluster: a fresh database per run, and a PgBouncer in front of it.

A bench given `--database postgresql+psycopg://...` makes its own database on that server (dropped afterwards), so
runs never see each other's kiosks; with `--pgbouncer` it starts Debian's pgbouncer (transaction pooling, on a free
loopback port, as the postgres user) and points the gateways at it.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def fresh_database(url: str):
    """Yields the URL of a new, empty database on the server of `url`; drops it afterwards."""
    parsed = make_url(url)
    name = f"bench_{secrets.token_hex(4)}"
    admin = dict(host=parsed.host or "127.0.0.1", port=parsed.port or 5432, user=parsed.username or "postgres",
                 password=parsed.password, dbname="postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def pgbouncer(url: str, *, pool_size: int = 20, max_clients: int = 2000):
    """Starts pgbouncer in transaction pooling mode in front of the server of `url`; yields the URL through it.
    Its pid is in the yielded object's `.pid` (for its CPU time)."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise SystemExit("pgbouncer is not installed (scripts/system-deps.sh installs Debian's pgbouncer)")
    parsed = make_url(url)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-pgbouncer-"))
    os.chmod(folder, 0o777)
    user = parsed.username or "postgres"
    (folder / "userlist.txt").write_text(f'"{user}" "{parsed.password or ""}"\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
* = host={parsed.host or '127.0.0.1'} port={parsed.port or 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'userlist.txt'}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = {max_clients}
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / 'pgbouncer.log'}
pidfile = {folder / 'pgbouncer.pid'}
""")
    for path in folder.iterdir():
        os.chmod(path, 0o666)
    proc = subprocess.Popen(_as_postgres([binary, str(folder / "pgbouncer.ini")]), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "pgbouncer.log").read_text() if (folder / "pgbouncer.log").exists() else ""
                    raise SystemExit(f"pgbouncer did not start: {log[-500:]}")
                time.sleep(0.1)
        pid_file = folder / "pgbouncer.pid"
        through = parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)

        class Running(str):
            pass

        running = Running(through)
        running.pid = int(pid_file.read_text().strip()) if pid_file.exists() else proc.pid
        yield running
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


def server_pid(url: str) -> int | None:
    """The PostgreSQL postmaster's pid (its backends are its children: their CPU is the database's), or None when
    its data directory is not readable from here."""
    parsed = make_url(url)
    try:
        with psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                             user=parsed.username or "postgres", password=parsed.password, dbname="postgres") as conn:
            folder = conn.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'").fetchone()[0]
        return int((Path(folder) / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError, psycopg.Error):
        return None
