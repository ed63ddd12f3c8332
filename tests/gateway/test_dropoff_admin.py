"""`kiosk-gateway dropoff-issue|dropoff-list` as a real process against a real database (SQLite and PostgreSQL): staff
issue a drop-off code for a case, the applicant's SMS carries it (never the terminal), the SMS text's digits are the
ones the locker accepts, and bad input is refused with one line, issuing nothing and sending nothing."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from catalog.dropoff import sms_text
from gateway import dropoff_admin
from gateway.db import make_engine, make_sessionmaker, migrate
from gateway.models import AuditEntry, Case, DropoffCode, Person, SmsMessage
from gateway.seed import demo_credentials, seed_demo
from tests.gateway.conftest import OBAMA
from tests.gateway.test_cli import database_url  # noqa: F401  (the fixture: SQLite and PostgreSQL)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = "cli-test-audit-key-0123456789"
LOCKER = "demo-locker-01"


@pytest.fixture
def cli(database_url, tmp_path):
    """The CLI over a demo database, sealing the audit chain with the same key as the test reads it."""
    from gateway.audit_chain import use_seal_key

    key_file = tmp_path / "audit.key"
    key_file.write_text(KEY)
    key_file.chmod(0o600)
    use_seal_key(KEY)
    engine = make_engine(database_url)
    migrate(engine)
    with make_sessionmaker(engine)() as db:
        seed_demo(db)
        demo_credentials(db)  # registers the demo kiosks, the locker among them
        db.commit()
    env = {**os.environ, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(key_file)}

    def run(*args):
        done = subprocess.run([sys.executable, "-m", "gateway.cli", "--database", database_url, *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    run.session = make_sessionmaker(engine)
    yield run
    engine.dispose()


def _case_of(db, id_number=OBAMA) -> str:
    return db.execute(select(Case.case_id).where(Case.id_number == id_number).order_by(Case.case_id)).scalars().first()


def _state(cli):
    """What a refusal must leave as it was: the codes, the SMS sent and the audit chain's length."""
    with cli.session() as db:
        return tuple(db.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (DropoffCode, SmsMessage, AuditEntry))


def test_staff_issue_a_code_the_applicant_gets_it_by_sms_and_it_is_listed(cli):
    with cli.session() as db:
        case_id = _case_of(db)
    code, out, err = cli("dropoff-issue", case_id, "--locker", LOCKER, "--staff", "wang-07", "--days", "3")
    assert code == 0, err
    issued = json.loads(out)
    assert issued["case"] == case_id and issued["locker"] == LOCKER and issued["sms"] == "sent to the applicant"
    # the code's 12 digits (or its 8 secret ones) go to the applicant only, never to the terminal
    assert not re.search(r"\d{8}", (out + err).replace(case_id, "").replace(issued["code_id"], ""))
    with cli.session() as db:
        row = db.get(DropoffCode, issued["code_id"])
        assert (row.case_id, row.locker_id, row.issued_by) == (case_id, LOCKER, "wang-07")
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.timezone.utc)
        assert dt.timedelta(days=3) - dt.timedelta(minutes=5) < expires - row.issued_at.replace(
            tzinfo=expires.tzinfo) <= dt.timedelta(days=3)
        sms = db.execute(select(SmsMessage).where(SmsMessage.template == "dropoff_code")).scalars().one()
        person = db.get(Person, OBAMA)
        assert sms.phone == person.phone
        assert sorted(sms.params["purged_after_delivery"]) == ["case", "digits", "expires_at", "locker"]
        audit = db.execute(select(AuditEntry).where(AuditEntry.action == "dropoff_code_issued")).scalars().one()
        assert audit.actor == "wang-07" and audit.subject == case_id
    code, out, err = cli("dropoff-list", "--locker", LOCKER)
    assert code == 0, err
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(r["code_id"], r["case"], r["state"]) for r in listed] == [(issued["code_id"], case_id, "open")]
    assert OBAMA not in out and person.phone not in out
    code, out, _err = cli("dropoff-list", "--locker", "another-locker")
    assert code == 0 and out == ""


@pytest.mark.parametrize("args, message", [
    (("NOSUCHCASE", "--locker", LOCKER, "--staff", "wang-07"), "no case 'NOSUCHCASE'"),
    (("{case}", "--locker", "demo-hall-01", "--staff", "wang-07"), "no pickup locker 'demo-hall-01'"),
    (("{case}", "--locker", "no-such-locker", "--staff", "wang-07"), "no pickup locker 'no-such-locker'"),
    (("{case}", "--locker", LOCKER, "--staff", "wang-07", "--days", "0"), "a code is valid for 1-30 days"),
    (("{case}", "--locker", LOCKER, "--staff", "wang 07"), "a staff id is 1-32 letters"),
    (("bad/case", "--locker", LOCKER, "--staff", "wang-07"), "a case id is 1-32 letters"),
    (("{case}", "--locker", LOCKER, "--staff", "wang-07", "no-phone"), "has no mobile number on file"),
])
def test_bad_input_is_refused_with_one_line_and_changes_nothing(cli, args, message):
    with cli.session() as db:
        case_id = _case_of(db)
        if args[-1] == "no-phone":
            db.get(Person, OBAMA).phone = None
            db.commit()
    args = tuple(a.format(case=case_id) for a in args if a != "no-phone")
    before = _state(cli)
    code, out, err = cli("dropoff-issue", *args)
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1 and "nothing was changed" in err and "Traceback" not in err
    assert _state(cli) == before


class RecordingSms:
    """An SMS adapter that keeps what it was asked to send (the text a real adapter would build from it)."""

    def __init__(self):
        self.sent = []

    def send(self, db, phone, template, params):
        self.sent.append((phone, template, dict(params)))


def test_the_sms_texts_digits_open_the_drop_off_at_the_locker(client, locker, obama, db):
    case_id = client.get("/v1/cases", headers=obama).json()["cases"][0]["case_id"]
    sms = RecordingSms()
    issued = dropoff_admin.issue(db, sms, case_id, LOCKER, "wang-07", 7)
    (_phone, template, params), = sms.sent
    zh, en = sms_text(template, params, "zh_CN"), sms_text(template, params, "en")
    assert zh.startswith("【不动产登记中心】您的投递码为") and "投递材料" in zh and f"业务编号{case_id}" in zh
    assert "格口门" in zh and "只能使用一次" in zh
    assert en.startswith("Property Registration Centre: Your drop-off code is") and case_id in en
    assert issued["expires_at"].removesuffix(" (Beijing time)") in zh  # the expiry in Beijing time, as staff saw it
    digits = re.search(r"投递码为([\d ]+)，", zh).group(1)
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", digits)  # read in fours
    assert digits in en
    checked = client.post("/v1/lockers/dropoff-checks", headers=locker, json={"digits": digits.replace(" ", "")})
    assert checked.status_code == 200, checked.text
    assert checked.json() == {**checked.json(), "code_id": issued["code_id"], "reference": case_id}


def test_the_collected_sms_names_the_case():
    assert sms_text("dropoff_received", {"case": "BDC-1"}) == \
        "【不动产登记中心】您为业务编号BDC-1投递的材料，工作人员已从取件柜取出，将继续办理。"
    assert sms_text("dropoff_received", {"case": "BDC-1"}, "en").endswith("dropped off for case BDC-1 out of the "
                                                                         "locker and will go on with your case.")
