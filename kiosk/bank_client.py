"""The bank service point's gateway calls (staff sign-in, prepared applications, signatures), over PlatformClient."""
from __future__ import annotations

import base64
import logging
from typing import Any

import requests

from kiosk.platform_client import (RETRY_STATUSES, PlatformClient, PlatformRejected, PlatformUnavailable,
                                   new_idempotency_key)

logger = logging.getLogger(__name__)


class BankClient:
    """Wraps a PlatformClient: the same requests session, API key, TLS settings and error mapping."""

    def __init__(self, platform: PlatformClient):
        self.platform = platform

    def _call(self, method: str, path: str, *, json: Any = None, staff_token: str | None = None,
              token: str | None = None, idempotency_key: str | None = None) -> dict:
        p = self.platform
        headers = {}
        if staff_token is not None:
            headers["X-Staff-Token"] = staff_token
        if token is not None:
            headers["X-Applicant-Token"] = token
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = p.session.request(method, p.base_url + path, json=json, headers=headers,
                                         timeout=p.timeout_s, verify=p._verify)
        except requests.RequestException as exc:
            logger.warning("%s %s failed: %s", method, path, type(exc).__name__)
            raise PlatformUnavailable(type(exc).__name__) from None
        if response.status_code in RETRY_STATUSES or response.status_code >= 500:
            raise PlatformUnavailable(f"HTTP {response.status_code}")
        if 400 <= response.status_code < 500:
            code, message = p._error(response)
            logger.info("%s %s refused: %d %s", method, path, response.status_code, code)
            raise PlatformRejected(code, response.status_code, message)
        try:
            return response.json()
        except ValueError:
            raise PlatformUnavailable("the gateway answered with something that is not JSON") from None

    def staff_sign_in(self, staff_id: str, pin: str) -> str:
        return str(self._call("POST", "/v1/bank/staff-sessions", json={"staff_id": staff_id, "pin": pin})
                   ["staff_token"])

    def prepared_applications(self, staff_token: str) -> list[dict]:
        return self._call("GET", "/v1/bank/applications", staff_token=staff_token)["applications"]

    def submitted_applications(self, staff_token: str) -> list[dict]:
        return self._call("GET", "/v1/bank/submissions", staff_token=staff_token)["applications"]

    def sign(self, staff_token: str, token: str, application_id: str, signature_png: bytes,
             idempotency_key: str | None = None) -> dict:
        # Retried by the caller with the same key if the answer is lost: the gateway applies a key once.
        return self._call("POST", f"/v1/bank/applications/{PlatformClient._path_part(application_id)}/signatures",
                          json={"signature_png_b64": base64.b64encode(signature_png).decode("ascii")},
                          staff_token=staff_token, token=token,
                          idempotency_key=idempotency_key or new_idempotency_key())

    def decline(self, staff_token: str, token: str, application_id: str, reason: str,
                idempotency_key: str | None = None) -> dict:
        return self._call("POST", f"/v1/bank/applications/{PlatformClient._path_part(application_id)}/decline",
                          json={"reason": reason}, staff_token=staff_token, token=token,
                          idempotency_key=idempotency_key or new_idempotency_key())

    def my_mortgages(self, token: str) -> list[dict]:
        return self._call("GET", "/v1/bank/my-mortgages", token=token)["mortgages"]

    def mortgage_certificate(self, token: str, case_id: str) -> dict:
        """The recorded mortgage's registration proof, to print (kiosk.documents.mortgage_certificate)."""
        return self._call("GET", f"/v1/bank/my-mortgages/{PlatformClient._path_part(case_id)}/certificate",
                          token=token)

    def record_submission(self, staff_token: str, application_id: str) -> dict:
        """Demo kiosks only: ask the simulated registration centre to record a submitted, paid application."""
        return self._call("POST", f"/v1/bank/submissions/{PlatformClient._path_part(application_id)}/recording",
                          staff_token=staff_token, idempotency_key=new_idempotency_key())

    def issue_applicant_token(self, id_number: str, method: str, score: float | None) -> str:
        return self.platform.issue_applicant_token(id_number, method, score)


def bank_client_of(platform, bank: BankClient | None = None) -> BankClient | None:
    """The bank calls over this platform client (a flow's own `bank`, when a test gave one, wins)."""
    if bank is None and platform is not None:
        bank = BankClient(platform)
    return bank
