"""The PostgreSQL hot paths (gateway/pg_hot_paths.py) answer what the general paths answer, and survive a dropped
database connection."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from gateway.routers.cases import applicant_cases
from tests.gateway.conftest import OBAMA

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-statement hot paths are PostgreSQL's")
    return engine


def test_the_case_list_in_one_statement_is_the_general_answer(client, obama, db):
    answer = client.get("/v1/cases", headers=obama)
    assert answer.status_code == 200
    with db.get_bind().connect() as conn:
        expected = applicant_cases(conn, OBAMA)
    assert answer.json() == expected and len(expected["cases"]) > 1
    # The restrictions in force on the cases' properties come with them (a mortgage with its amount, a seizure with
    # its end date), as on the general path.
    kinds = {r["kind"] for case in answer.json()["cases"] for r in case["restrictions"]}
    assert {"mortgage", "seizure"} <= kinds


def test_a_lapsed_seizure_is_not_in_the_case_list_in_one_statement(client, obama, db):
    from gateway.models import PropertyRestriction

    seizures = db.query(PropertyRestriction).filter_by(kind="seizure").all()
    assert seizures
    for row in seizures:
        row.ends_on = row.registered_on  # it lapsed long ago
    db.commit()
    answer = client.get("/v1/cases", headers=obama)
    with db.get_bind().connect() as conn:
        expected = applicant_cases(conn, OBAMA)
    assert answer.json() == expected
    assert "seizure" not in {r["kind"] for case in answer.json()["cases"] for r in case["restrictions"]}


def test_a_heartbeat_after_the_database_dropped_its_connections_is_answered(client, hall, db):
    assert client.post("/v1/heartbeats", headers=hall, json={}).status_code == 200
    pool = client.app.state.hot_path_pool

    async def backends():
        return {row[0] for _ in range(3) for row in await pool.fetchall("SELECT pg_backend_pid()", {})}

    pids = client.portal.call(backends)
    # The server ends the hot paths' sessions (as a restart would): their pooled connections are now dead.
    for pid in pids:
        assert db.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    db.commit()
    answer = client.post("/v1/heartbeats", headers=hall, json={})
    assert answer.status_code == 200 and answer.json() == {"commands": []}


def test_a_refused_heartbeat_in_one_statement_says_why(client, hall, db):
    from gateway.models import Kiosk
    db.get(Kiosk, "demo-hall-01").enabled = False
    db.commit()
    answer = client.post("/v1/heartbeats", headers=hall, json={})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "kiosk_disabled"
    assert client.post("/v1/heartbeats", headers={"Authorization": "Bearer nope"}, json={}).status_code == 401
