"""The courier (EMS) adapter: create a waybill, track it. Speaks the courier's HTTP JSON API; the gateway's simulated
courier (gateway/courier_simulator.py) answers the same API on loopback in the demo and the tests."""
from __future__ import annotations

import logging
import os

import requests

logger = logging.getLogger(__name__)

COURIER_URL_ENV = "KIOSK_GATEWAY_COURIER_URL"
TIMEOUT_S = 10.0


class CourierError(Exception):
    """The courier refused or could not be reached; the message never holds the address."""


class CourierClient:
    def __init__(self, base_url: str, timeout_s: float = TIMEOUT_S):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            response = self.session.request(method, self.base_url + path, json=body, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise CourierError(f"courier unreachable: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise CourierError(f"courier answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise CourierError("courier answered with something that is not JSON") from None

    def create_waybill(self, reference: str, receiver: dict) -> dict:
        """receiver: name, phone, address. Returns {waybill_no, status}."""
        return self._call("POST", "/api/v1/waybills", {"reference": reference, "service": "EMS_STANDARD",
                                                         "receiver": receiver, "declared_item": "document"})

    def track(self, waybill_no: str) -> dict:
        """{waybill_no, status, events: [{status, at, place}]}."""
        return self._call("GET", f"/api/v1/waybills/{waybill_no}")


def courier_from_environment() -> CourierClient | None:
    url = os.environ.get(COURIER_URL_ENV)
    return CourierClient(url) if url else None
