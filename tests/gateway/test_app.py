"""The app factory's public mode: only what a phone or verifier opens is mounted."""
from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app


@pytest.fixture
def public_client(engine, settings, credentials):
    with TestClient(create_app(dataclasses.replace(settings, public_only=True), engine=engine)) as c:
        yield c


@pytest.mark.parametrize("method, path", [("GET", "/v1/health"), ("POST", "/v1/heartbeats"), ("GET", "/v1/cases"),
                                          ("POST", "/v1/applicant-tokens"), ("GET", "/v1/pickup-keys"),
                                          ("GET", "/dashboard/login"), ("GET", "/openapi.json"), ("GET", "/docs"),
                                          ("POST", "/v1/cases/BDC1/e-certificate-links")])
def test_public_mode_mounts_no_kiosk_api_dashboard_or_documents(public_client, hall, method, path):
    response = public_client.request(method, path, headers=hall, json={})
    assert response.status_code == 404, (path, response.status_code)


def test_public_mode_serves_the_phone_pages(public_client):
    assert public_client.get("/verify/NOSUCHCODE").status_code == 404  # the page's own "no such proof"
    assert "查无此证明" in public_client.get("/verify/NOSUCHCODE").text
    assert public_client.get("/cases/BDC1").status_code == 200
    assert public_client.get("/e-certificates/" + "x" * 43).status_code in (404, 410)
