"""Fixtures for the flow tests: a real gateway with demo data on loopback, and the kiosk's client of it."""
from __future__ import annotations

import pytest

from gateway.seed import DEMO_PERSONS
from gateway.testing import LiveGateway
from kiosk.platform_client import PlatformClient


def person_id(key: str) -> str:
    """The ID number of a demo person (docs/demo-persons.md)."""
    return next(p.id_number for p in DEMO_PERSONS if p.key == key)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with LiveGateway(tmp_path_factory.mktemp("gw")) as gw:
        yield gw


@pytest.fixture
def platform(gateway):
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), kiosk_id="demo-hall-01")
    yield client
    client.close()
