"""The bank service point's gateway calls (staff sign-in, prepared applications, signatures), over PlatformClient."""
from __future__ import annotations

import base64
import logging

from kiosk.platform_client import PlatformClient, new_idempotency_key, path_part

logger = logging.getLogger(__name__)


class BankClient:
    """The bank calls through PlatformClient.request: the same session, API key, TLS, timeouts, retries and errors."""

    def __init__(self, platform: PlatformClient):
        self.platform = platform

    def _staff_call(self, method: str, path: str, staff_token: str | None, **kwargs):
        headers = {"X-Staff-Token": staff_token} if staff_token is not None else None
        return self.platform.request(method, path, headers=headers, **kwargs)

    def staff_sign_in(self, staff_id: str, pin: str) -> str:
        # Not retried: a PIN attempt counts towards the lockout; the staff member types it again.
        return str(self.platform.request("POST", "/v1/bank/staff-sessions", json={"staff_id": staff_id, "pin": pin})
                   ["staff_token"])

    def prepared_applications(self, staff_token: str) -> list[dict]:
        return self._staff_call("GET", "/v1/bank/applications", staff_token, retry=True)["applications"]

    def submitted_applications(self, staff_token: str) -> list[dict]:
        return self._staff_call("GET", "/v1/bank/submissions", staff_token, retry=True)["applications"]

    def sign(self, staff_token: str, token: str, application_id: str, signature_png: bytes,
             idempotency_key: str | None = None) -> dict:
        # Retried, here and by the caller with the same key if the answer is lost: the gateway applies a key once.
        return self._staff_call("POST", f"/v1/bank/applications/{path_part(application_id)}/signatures", staff_token,
                                json={"signature_png_b64": base64.b64encode(signature_png).decode("ascii")},
                                token=token, idempotency_key=idempotency_key or new_idempotency_key(), retry=True)

    def decline(self, staff_token: str, token: str, application_id: str, reason: str,
                idempotency_key: str | None = None) -> dict:
        return self._staff_call("POST", f"/v1/bank/applications/{path_part(application_id)}/decline", staff_token,
                                json={"reason": reason}, token=token,
                                idempotency_key=idempotency_key or new_idempotency_key(), retry=True)

    def my_mortgages(self, token: str) -> list[dict]:
        return self.platform.request("GET", "/v1/bank/my-mortgages", token=token, retry=True)["mortgages"]

    def mortgage_certificate(self, token: str, case_id: str) -> dict:
        """The recorded mortgage's registration proof, to print (kiosk.documents.mortgage_certificate)."""
        return self.platform.request("GET", f"/v1/bank/my-mortgages/{path_part(case_id)}/certificate", token=token,
                                     retry=True)

    def record_submission(self, staff_token: str, application_id: str) -> dict:
        """Demo kiosks only: ask the simulated registration centre to record a submitted, paid application."""
        return self._staff_call("POST", f"/v1/bank/submissions/{path_part(application_id)}/recording", staff_token,
                                idempotency_key=new_idempotency_key(), retry=True)

    def issue_applicant_token(self, id_number: str, method: str, score: float | None) -> str:
        return self.platform.issue_applicant_token(id_number, method, score)


def bank_client_of(platform, bank: BankClient | None = None) -> BankClient | None:
    """The bank calls over this platform client (a flow's own `bank`, when a test gave one, wins)."""
    if bank is None and platform is not None:
        bank = BankClient(platform)
    return bank
