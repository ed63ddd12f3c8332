"""The dashboard's drop-off page (/dashboard/dropoffs): an operator issues a drop-off code for a case, the applicant's
SMS carries it (the page never shows the digits) and the locker accepts it; a viewer cannot issue; bad input is
refused with a plain message and issues nothing."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from gateway.models import AuditEntry, DropoffCode, SmsMessage
from tests.gateway.dashboard.conftest import csrf_of


def _case(client, obama):
    return client.get("/v1/cases", headers=obama).json()["cases"][0]["case_id"]


def _counts(db):
    db.rollback()
    return tuple(db.execute(select(func.count()).select_from(t)).scalar_one() for t in (DropoffCode, SmsMessage))


def test_an_operator_issues_a_code_by_sms_and_it_is_listed(client, obama, db, staff):
    case_id = _case(client, obama)
    operator = staff("operator")
    form = operator.get("/dashboard/dropoffs").text
    assert '<option value="demo-locker-01">' in form and "demo-hall-01" not in form  # lockers only
    page = operator.post("/dashboard/dropoffs", data={"csrf": csrf_of(form), "case_id": case_id,
                                                      "locker": "demo-locker-01", "days": "5"})
    assert page.status_code == 200, page.text
    code_id = re.search(r'<p class="notice" data-code="(DC[0-9A-F]+)"', page.text).group(1)
    assert f'<tr data-code="{code_id}"><td>{code_id}</td><td>{case_id}</td><td>demo-locker-01</td><td>open</td>' \
        in page.text
    db.rollback()
    row = db.get(DropoffCode, code_id)
    assert (row.case_id, row.locker_id, row.issued_by) == (case_id, "demo-locker-01", "operator")
    assert db.execute(select(SmsMessage.template)).scalars().all().count("dropoff_code") == 1
    assert not re.search(r"\d{8}", page.text.replace(case_id, "").replace(code_id, ""))  # no digits on the page
    issued = db.execute(select(AuditEntry).where(AuditEntry.action == "dropoff_code_issued")).scalars().one()
    assert issued.actor == "operator" and issued.subject == case_id


def test_a_viewer_cannot_issue_and_bad_input_changes_nothing(client, obama, db, staff):
    case_id = _case(client, obama)
    viewer = staff("viewer")
    form = viewer.get("/dashboard/dropoffs").text
    assert "Only an operator can issue drop-off codes." in form
    before = _counts(db)
    refused = viewer.post("/dashboard/dropoffs", data={"csrf": csrf_of(form), "case_id": case_id,
                                                       "locker": "demo-locker-01"})
    assert refused.status_code == 403 and "Only an operator can issue drop-off codes." in refused.text
    operator = staff("operator")
    token = csrf_of(operator.get("/dashboard/dropoffs").text)
    for data, message in (({"case_id": "NOSUCH", "locker": "demo-locker-01", "days": "7"}, "no case"),
                          ({"case_id": case_id, "locker": "demo-hall-01", "days": "7"}, "no pickup locker"),
                          ({"case_id": case_id, "locker": "demo-locker-01", "days": "99"}, "valid for 1-30 days"),
                          ({"case_id": case_id, "locker": "demo-locker-01", "days": "x"}, "days: type a number")):
        answer = operator.post("/dashboard/dropoffs", data={"csrf": token, **data})
        assert answer.status_code == 400 and message in answer.text and "Traceback" not in answer.text, data
    assert _counts(db) == before
