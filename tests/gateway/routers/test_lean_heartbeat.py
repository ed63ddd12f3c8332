"""The lean heartbeat route answers, and refuses, exactly as the FastAPI route behind it."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.models import Kiosk
from gateway.request_limits import DEFAULT_BODY_LIMIT
from gateway.routers.lean_heartbeat import LeanHeartbeat, _lean_parts

BODY = {"devices": {"card_reader": "online", "camera": {"status": "online", "fps": 25}}, "stock": {"a4_sheets": 410},
        "outbox_depth": 2, "version": "0.1.0", "uptime_s": 3600.5, "ip": "10.0.0.8"}


@pytest.fixture
def fastapi_only(engine, settings):
    """The same gateway without the lean route: every heartbeat goes through FastAPI's route."""
    application = create_app(settings, engine=engine)
    application.router.routes[:] = [route for route in application.router.routes
                                    if not isinstance(getattr(route, "app", None), LeanHeartbeat)]
    with TestClient(application) as c:
        yield c


def _both(client, fastapi_only, **request):
    lean = client.post("/v1/heartbeats", **request)
    plain = fastapi_only.post("/v1/heartbeats", **request)
    assert (lean.status_code, lean.content, lean.headers.items()) == (
        plain.status_code, plain.content, plain.headers.items())
    return lean


def test_the_lean_route_is_the_one_taken(app):
    assert any(isinstance(getattr(route, "app", None), LeanHeartbeat) for route in app.router.routes)
    assert "/v1/heartbeats" in app.openapi()["paths"]  # the FastAPI route still documents it


def test_only_a_well_formed_heartbeat_takes_the_lean_way():
    scope = {"headers": [(b"authorization", b"Bearer k1"), (b"content-type", b"application/json; charset=utf-8")]}
    body, key = _lean_parts(scope, json.dumps(BODY).encode())
    assert key == "k1" and body.outbox_depth == 2 and body.model_extra == {"ip": "10.0.0.8"}
    for headers, raw in ([(b"content-type", b"application/json")], b"{}"), \
            ([(b"authorization", b"Basic k1"), (b"content-type", b"application/json")], b"{}"), \
            ([(b"authorization", b"Bearer k1"), (b"content-type", b"text/plain")], b"{}"), \
            ([(b"authorization", b"Bearer k1"), (b"content-type", b"application/json")], b"{nope"), \
            ([(b"authorization", b"Bearer k1"), (b"content-type", b"application/json")], b'{"outbox_depth": -1}'):
        assert _lean_parts({"headers": headers}, raw) == (None, "")


def test_a_heartbeat_gets_the_same_answer(client, fastapi_only, hall):
    answer = _both(client, fastapi_only, headers=hall, json=BODY)
    assert answer.status_code == 200 and answer.json() == {"commands": []}


@pytest.mark.parametrize("case", ["forged key", "no key", "basic scheme", "wrong content type", "not json",
                                  "bad value", "not an object", "oversized", "nan"])
def test_refusals_are_the_same(client, fastapi_only, hall, case):
    text = {**hall, "Content-Type": "application/json"}
    request = {
        "forged key": {"headers": {"Authorization": "Bearer forged-key-000"}, "json": BODY},
        "no key": {"json": BODY},
        "basic scheme": {"headers": {"Authorization": hall["Authorization"].replace("Bearer", "Basic")},
                         "json": BODY},
        "wrong content type": {"headers": {**hall, "Content-Type": "text/plain"}, "content": json.dumps(BODY)},
        "not json": {"headers": text, "content": "{\"devices\": "},
        "bad value": {"headers": hall, "json": {"outbox_depth": -1}},
        "not an object": {"headers": hall, "json": ["x"]},
        "oversized": {"headers": text, "content": json.dumps({"stock": {"x": "y" * DEFAULT_BODY_LIMIT}})},
        "nan": {"headers": text, "content": '{"uptime_s": NaN}'},
    }[case]
    answer = _both(client, fastapi_only, **request)
    assert answer.status_code in (400, 401, 413, 415, 422) and "error" in answer.json()


def test_a_revoked_kiosk_is_refused_the_same(client, fastapi_only, hall, db):
    db.get(Kiosk, "demo-hall-01").enabled = False
    db.commit()
    answer = _both(client, fastapi_only, headers=hall, json=BODY)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "kiosk_disabled"
