"""Browser protection headers on the public pages, HSTS in production, and the API documents behind staff sign-in."""
from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from tests.gateway.dashboard.conftest import sign_in

PUBLIC_PAGES = ("/pay/ORDER1?t=secret", "/verify/ABCD1234", "/invoices/ORDER1", "/e-certificates/nolink",
                "/cases/BDC1")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_forbid_framing_scripts_and_referrers(client, path):
    response = client.get(path)
    assert response.status_code < 500
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers  # not in production


def test_the_dashboard_forbids_framing(client):
    response = client.get("/dashboard/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


@pytest.fixture
def production_client(engine, settings, credentials):
    app = create_app(dataclasses.replace(settings, production=True), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        yield c


def test_production_answers_carry_hsts(production_client):
    for path in ("/v1/health", "/verify/ABCD1234", "/dashboard/login", "/openapi.json"):
        assert production_client.get(path).headers["strict-transport-security"].startswith("max-age=31536000")


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc"])
def test_api_documents_are_not_published_outside_the_demo(client, path):
    assert client.get(path).status_code == 404


def test_signed_in_staff_read_the_api_document_in_the_dashboard(app, client, credentials):
    from gateway.dashboard.auth import create_staff
    from gateway.db import make_sessionmaker

    assert client.get("/dashboard/openapi.json").status_code == 401
    with make_sessionmaker(app.state.engine)() as db:
        create_staff(db, "auditor", "a long staff password", "viewer")
    with TestClient(app) as staff:
        assert sign_in(staff, "auditor", "a long staff password").status_code == 303
        document = staff.get("/dashboard/openapi.json").json()
        assert "/v1/heartbeats" in document["paths"]


def test_a_demo_gateway_shows_its_api_documents(engine, settings, credentials):
    with TestClient(create_app(dataclasses.replace(settings, demo=True), engine=engine)) as c:
        assert c.get("/openapi.json").status_code == 200
