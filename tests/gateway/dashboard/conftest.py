"""Fixtures for the dashboard: alerts evaluated on every read, and a signed-in browser-like client per role."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from gateway.settings import GatewaySettings

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def settings():
    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0,
                           extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0})


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str):
    form = client.get("/dashboard/login")
    return client.post("/dashboard/login", data={"username": username, "password": password,
                                                 "csrf": csrf_of(form.text)}, follow_redirects=False)


@pytest.fixture
def staff(app, credentials):
    """A factory of signed-in clients: staff("operator") / staff("viewer")."""
    clients = []

    def make(role: str) -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        response = sign_in(client, role, f"{role}-demo-pass")
        assert response.status_code == 303, response.text
        return client
    yield make
    for client in clients:
        client.__exit__(None, None, None)
