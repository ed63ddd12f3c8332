"""Fixtures: a gateway over SQLite (always) and PostgreSQL (when KIOSK_TEST_PG_URL is set), each test a clean schema."""
from __future__ import annotations

import os
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from gateway.app import create_app
from gateway.db import make_engine, make_sessionmaker
from gateway.seed import demo_credentials, seed_demo
from gateway.settings import GatewaySettings
from tests.pg_schemas import drop_schema

PG_URL = os.environ.get("KIOSK_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
        yield eng
        eng.dispose()
        return
    if not PG_URL:
        pytest.skip("KIOSK_TEST_PG_URL is not set (scripts/postgres.sh start prints one)")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(PG_URL, schema=schema)
    yield eng
    eng.dispose()
    drop_schema(admin, schema)
    admin.dispose()


@pytest.fixture
def settings():
    # No background alert check (its passes run on the wall clock); tests/gateway/dashboard/test_alert_checker.py
    # turns it on.
    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0)


@pytest.fixture
def app(engine, settings):
    application = create_app(settings, engine=engine)
    return application


@pytest.fixture
def db(app):
    """The test's own view of the database. On SQLite it uses plain deferred transactions, so a read left open in a
    test does not hold the write lock the gateway's BEGIN IMMEDIATE waits for."""
    engine = app.state.engine
    if engine.dialect.name == "sqlite":
        engine = create_engine(engine.url)
    with sessionmaker(engine, expire_on_commit=False)() as session:
        yield session
    if engine is not app.state.engine:
        engine.dispose()


@pytest.fixture
def credentials(app):
    with make_sessionmaker(app.state.engine)() as session:
        seed_demo(session)
        return {c["kiosk_id"]: c["api_key"] for c in demo_credentials(session)}


@pytest.fixture
def client(app, credentials):
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def hall(credentials):
    return {"Authorization": f"Bearer {credentials['demo-hall-01']}"}


@pytest.fixture
def locker(credentials):
    return {"Authorization": f"Bearer {credentials['demo-locker-01']}"}


OBAMA = "110105196108041235"
KIT = "GBR110861226013"


@pytest.fixture
def token_for(client, hall):
    def issue(id_number=OBAMA, headers=None):
        response = client.post("/v1/applicant-tokens", headers=headers or hall,
                               json={"id_number": id_number, "method": "card_only_demo"})
        assert response.status_code == 201, response.text
        return response.json()["token"]
    return issue


@pytest.fixture
def obama(token_for, hall):
    return {**hall, "X-Applicant-Token": token_for()}
