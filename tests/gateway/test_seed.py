"""The demo seed: exactly the persons of docs/demo-persons.md, each with a case in every status."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.db import make_sessionmaker

from gateway.casework import STATUSES
from gateway.models import Case, Person
from gateway.seed import DEMO_PERSONS, seed_demo
from gateway.settings import DEFAULT_FACES_DIR

DOC = Path(__file__).resolve().parents[2] / "docs" / "demo-persons.md"


def test_demo_persons_match_the_document():
    rows = [line.split("|")[1:-1] for line in DOC.read_text(encoding="utf-8").splitlines()
            if re.match(r"^\| [a-z_]+ \|", line) and "key" not in line]
    documented = {cells[0].strip(): (cells[1].strip(), cells[2].strip(), cells[6].strip()) for cells in rows}
    seeded = {p.key: (p.card_type, p.name, p.id_number) for p in DEMO_PERSONS}
    assert seeded == documented
    for person in DEMO_PERSONS:  # portraits are used in place from the shared folder
        assert (DEFAULT_FACES_DIR / person.portrait).is_file()


def test_every_person_has_every_status_an_extension_and_a_mortgage(db):
    seed_demo(db, today=dt.date(2026, 11, 23))
    seed_demo(db, today=dt.date(2026, 11, 23))  # idempotent
    assert len(db.execute(select(Person)).scalars().all()) == len(DEMO_PERSONS)
    for person in DEMO_PERSONS:
        cases = db.execute(select(Case).where(Case.id_number == person.id_number)).scalars().all()
        assert {c.status for c in cases} == set(STATUSES)
        assert any(c.extension_working_days and c.extension_reason for c in cases)
        assert {c.time_limit_working_days for c in cases if c.kind == "mortgage"} == {5}
        assert {c.time_limit_working_days for c in cases if c.kind != "mortgage"} == {10}
        assert all(c.received_on.weekday() < 5 for c in cases)


@pytest.fixture
def seeded_in_late_2026(app):
    """The demo seed as of 2026-12-21: some deadlines fall in 2026, the extended case's in 2027."""
    with make_sessionmaker(app.state.engine)() as session:
        seed_demo(session, today=dt.date(2026, 12, 21))
        session.commit()


def test_deadline_past_the_calendar_data_is_flagged(seeded_in_late_2026, client, obama):
    # chinese-calendar 1.11.0 (pinned) knows the holidays up to 2026: a deadline in 2027 is an estimate.
    cases = client.get("/v1/cases", headers=obama).json()["cases"]
    beyond = [c for c in cases if c["deadline"] and c["deadline"] >= "2027-01-01"]
    within = [c for c in cases if c["deadline"] and c["deadline"] < "2027-01-01"]
    assert beyond and within, [c["deadline"] for c in cases]
    assert all(c["deadline_estimated"] is True for c in beyond)
    assert all(c["deadline_estimated"] is False for c in within)
