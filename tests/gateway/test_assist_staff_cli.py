"""`kiosk-gateway assist-staff-add|list|revoke` as a real process against a real database (SQLite and PostgreSQL):
the staff member it registers vouches at the hall's kiosk through the real API, the PIN comes from a file or a
terminal prompt (a pty) and never from argv, bad input is refused with one line and changes nothing, a revoked card
is refused at once."""
from __future__ import annotations

import fcntl
import json
import os
import pty
import subprocess
import sys
import termios

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.db import make_engine, make_sessionmaker
from gateway.models import AuditEntry
from gateway.seed import demo_credentials, seed_demo
from gateway.settings import GatewaySettings
from gateway.staff_assist import AssistStaff
from tests.gateway.conftest import OBAMA
from tests.gateway.test_cli import database_url  # noqa: F401  (the fixture: SQLite and PostgreSQL)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
URL = "/v1/staff-assisted-verifications"
CARD = "110101199003070011"  # a valid 18-character number: a staff member's own card
OTHER_CARD = "810000197309224567"
KEY = "cli-test-audit-key-0123456789"


def valid(number17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return number17 + "10X98765432"[sum(int(d) * w for d, w in zip(number17, weights)) % 11]


CARD, OTHER_CARD = valid(CARD[:17]), valid(OTHER_CARD[:17])


@pytest.fixture
def gateway(database_url, tmp_path):
    """The gateway in-process over the same database the CLI writes, sealing with the same audit key."""
    engine = make_engine(database_url)
    app = create_app(GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0,
                                     audit_seal_key=KEY), engine=engine)
    with make_sessionmaker(engine)() as db:
        seed_demo(db)
        keys = {c["kiosk_id"]: c["api_key"] for c in demo_credentials(db)}
    with TestClient(app) as client:
        client.hall = {"Authorization": f"Bearer {keys['demo-hall-01']}"}
        client.engine = engine
        yield client
    engine.dispose()


@pytest.fixture
def cli(database_url, tmp_path):
    key_file = tmp_path / "audit.key"
    key_file.write_text(KEY)
    key_file.chmod(0o600)
    env = {**os.environ, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(key_file)}

    def run(*args):
        done = subprocess.run([sys.executable, "-m", "gateway.cli", "--database", database_url, *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    run.env = env
    run.url = database_url
    return run


def secret_file(tmp_path, name, value):
    path = tmp_path / name
    path.write_text(value + "\n")
    path.chmod(0o600)
    return str(path)


def vouch(gateway, card, pin):
    return gateway.post(URL, headers=gateway.hall, json={"credential_kind": "card", "credential": card, "pin": pin,
                                                         "id_number": OBAMA, "reason": "elderly"})


def state(gateway):
    """What a refusal must leave as it was: the staff rows and the audit chain's length."""
    with make_sessionmaker(gateway.engine)() as db:
        rows = [(s.staff_id, s.hall, s.card_key, s.pin_hash, s.enabled) for s in
                db.execute(select(AssistStaff).order_by(AssistStaff.staff_id)).scalars()]
        return rows, db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_a_registered_card_and_pin_vouch_at_the_hall_listed_then_revoked(gateway, cli, tmp_path):
    card = secret_file(tmp_path, "card", CARD)
    pin = secret_file(tmp_path, "pin", "135790")
    code, out, err = cli("assist-staff-add", "li-hall-07", "--hall", "demo-hall", "--card-file", card,
                         "--pin-file", pin)
    assert code == 0, err
    assert "li-hall-07" in out and CARD not in out + err and "135790" not in out + err
    answer = vouch(gateway, CARD, "135790")
    assert answer.status_code == 201, answer.text
    assert answer.json()["staff_id"] == "li-hall-07"
    assert vouch(gateway, CARD, "000000").json()["error"]["code"] == "wrong_pin"

    code, out, err = cli("assist-staff-list", "--hall", "demo-hall")
    assert code == 0, err
    listed = [json.loads(line) for line in out.splitlines()]
    assert {"staff_id": "li-hall-07", "hall": "demo-hall", "card": True, "enabled": True, "locked": False} in listed
    assert CARD not in out

    code, out, err = cli("assist-staff-revoke", "li-hall-07")
    assert code == 0 and "revoked" in out, err
    assert vouch(gateway, CARD, "135790").json()["error"]["code"] == "staff_unknown"
    with make_sessionmaker(gateway.engine)() as db:
        actions = db.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.detail).where(
            AuditEntry.action.like("assist_staff_%")).order_by(AuditEntry.seq)).all()
    assert [(a, actor) for a, actor, _ in actions] == [("assist_staff_registered", "admin-cli"),
                                                       ("assist_staff_revoked", "admin-cli")]
    assert CARD not in str(actions) and "135790" not in str(actions)


def test_the_pin_from_a_terminal_prompt_asked_twice(gateway, cli):
    master, slave = pty.openpty()

    def controlling_terminal():  # getpass reads /dev/tty: make the pty this process's terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "--database", cli.url, "assist-staff-add",
                                "wang-qr-02", "--hall", "demo-hall"], cwd=ROOT, env=cli.env, stdin=slave,
                               stdout=slave, stderr=slave, start_new_session=True, preexec_fn=controlling_terminal)
    os.close(slave)
    seen = b""
    try:
        for answer in (b"8642097\n", b"8642097\n"):
            while not seen.rstrip().endswith(b":"):
                seen += os.read(master, 1024)
            os.write(master, answer)
            seen += b" | "
        assert process.wait(timeout=120) == 0
        while True:
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    assert b"PIN" in seen and b"again" in seen and b"8642097" not in seen  # not echoed
    assert b"one-time QR codes" in seen
    code, out, _ = cli("assist-staff-list")
    assert {"staff_id": "wang-qr-02", "hall": "demo-hall", "card": False, "enabled": True, "locked": False} in \
        [json.loads(line) for line in out.splitlines()]


def test_bad_input_is_refused_with_one_line_and_changes_nothing(gateway, cli, tmp_path):
    good_pin = secret_file(tmp_path, "pin", "246801")
    card = secret_file(tmp_path, "card", CARD)
    assert cli("assist-staff-add", "zhao-01", "--hall", "demo-hall", "--card-file", card, "--pin-file",
               good_pin)[0] == 0
    before = state(gateway)
    cases = [
        (("assist-staff-add", "qian-02", "--hall", "demo-hall", "--pin-file", secret_file(tmp_path, "p2", "12ab")),
         "a PIN is 6-12 digits"),
        (("assist-staff-add", "qian-02", "--hall", "demo-hall", "--pin-file", secret_file(tmp_path, "p3", "123")),
         "a PIN is 6-12 digits"),
        (("assist-staff-add", "qian-02", "--hall", "demo-hall", "--card-file",
          secret_file(tmp_path, "c2", CARD[:17] + ("1" if CARD[17] != "1" else "2")), "--pin-file", good_pin),
         "not a valid 18-character"),
        (("assist-staff-add", "qian-02", "--hall", "demo-hall", "--card-file", card, "--pin-file", good_pin),
         "registered to staff member zhao-01"),
        (("assist-staff-add", "zhao-01", "--hall", "demo-hall", "--pin-file", good_pin),
         "registered already; give --replace"),
        (("assist-staff-add", "bad id!", "--hall", "demo-hall", "--pin-file", good_pin), "a staff id is"),
        (("assist-staff-add", "qian-02", "--hall", "hall 2", "--pin-file", good_pin), "a hall is"),
        (("assist-staff-add", "qian-02", "--hall", "demo-hall", "--pin-file", str(tmp_path / "missing")),
         "cannot read the PIN file"),
        (("assist-staff-revoke", "nobody"), "no staff member 'nobody'"),
    ]
    for args, message in cases:
        code, out, err = cli(*args)
        assert code == 1, (args, out, err)
        assert message in err and "nothing was changed" in err and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err and CARD not in err
    # A PIN is never an argument: argparse refuses the attempt (not taken as an abbreviated --pin-file).
    code, _, err = cli("assist-staff-add", "qian-02", "--hall", "demo-hall", "--pin", "246801")
    assert code == 2 and "unrecognized arguments" in err
    assert state(gateway) == before
    # --replace changes the PIN of a registered member (and is audited like any registration).
    assert cli("assist-staff-add", "zhao-01", "--hall", "demo-hall", "--card-file", card, "--pin-file",
               secret_file(tmp_path, "p4", "97531024"), "--replace")[0] == 0
    assert vouch(gateway, CARD, "246801").json()["error"]["code"] == "wrong_pin"
    assert vouch(gateway, CARD, "97531024").status_code == 201
