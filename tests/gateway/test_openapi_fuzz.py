"""Schemathesis against the gateway's OpenAPI document: no 500s, and every answer conforms to the document.

Bounded: 25 valid and 25 invalid generated requests per operation (derandomised), through the ASGI app over a fresh SQLite file.
Uses schemathesis' Python API (its pytest plugin does not load under pytest 9).
"""
from __future__ import annotations

import dataclasses

import pytest
import schemathesis
from schemathesis import GenerationMode
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from gateway.app import create_app
from gateway.db import make_engine, make_sessionmaker
from gateway.seed import demo_credentials, seed_demo
from gateway.settings import GatewaySettings
from tests.gateway.conftest import OBAMA

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


def _operations() -> list[tuple[str, str]]:
    app = create_app(dataclasses.replace(GatewaySettings(), run_migrations=False), engine=make_engine("sqlite://"))
    # The staff dashboard (HTML forms behind a staff login) is tested by its own suite.
    return [(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
            if not path.startswith("/dashboard")]


@pytest.fixture(scope="module")
def fuzz_gateway(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    from tests.gateway.sealing import make_pki

    seal = make_pki(tmp_path_factory.mktemp("fuzz-seal") / "pki")  # sealed documents answer, not 503
    app = create_app(dataclasses.replace(GatewaySettings(), rate_limit_per_minute=0, seal_dir=seal,
                                         public_base_url="http://testserver"), engine=engine)
    with make_sessionmaker(engine)() as db:
        seed_demo(db)
        keys = {c["kiosk_id"]: c["api_key"] for c in demo_credentials(db)}
    with TestClient(app) as client:
        tokens = [client.post("/v1/applicant-tokens", headers={"Authorization": f"Bearer {keys['demo-hall-01']}"},
                              json={"id_number": OBAMA, "method": "card_only_demo"}).json()["token"]
                  for _ in range(2)]
    # The document is not served by a non-demo gateway (only to staff, under /dashboard): load it from the app.
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    yield schema, keys, tokens
    engine.dispose()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("method, path", _operations())
def test_no_server_errors_and_conformance(fuzz_gateway, method, path, mode):
    schema, keys, tokens = fuzz_gateway
    # Revocation ends its token: it gets one of its own, so the other operations keep a valid applicant.
    token = tokens[1] if path == "/v1/applicant-tokens/current" else tokens[0]
    operation = schema[path][method]
    # Valid credentials, so generated requests get past authentication and reach the handlers' own checks; the
    # locker's key on locker routes, the hall's (to which the token was issued) elsewhere.
    kiosk = "demo-locker-01" if path.startswith("/v1/lockers") else "demo-hall-01"
    headers = {"Authorization": f"Bearer {keys[kiosk]}", "X-Applicant-Token": token}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        pytest.skip("nothing in this operation's request can be made invalid")
