"""The kiosk's client of the gateway API: timeouts on every call, retries only where a repeat is harmless,
an Idempotency-Key on every state change, and errors that carry a message key for the screen."""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from typing import Any
from urllib.parse import quote

import requests

from kiosk.cases import Case, FeeSchedule, PaymentOrder

logger = logging.getLogger(__name__)


class PlatformError(Exception):
    """Base of every gateway failure; `message_key` is what the kiosk shows (in the applicant's language)."""

    def __init__(self, message_key: str, detail: str = ""):
        super().__init__(detail or message_key)
        self.message_key = message_key


class PlatformUnavailable(PlatformError):
    """Network down, timeout, or a 5xx: the call may be tried again later (or served from the offline cache)."""

    def __init__(self, detail: str = ""):
        super().__init__("platform_unavailable", detail)


class PlatformRejected(PlatformError):
    """The gateway refused the request (4xx); `code` is its machine-readable error code, e.g. "token_expired"."""

    def __init__(self, code: str, status: int, detail: str = ""):
        super().__init__(code, detail or code)
        self.code = code
        self.status = status


RETRY_STATUSES = frozenset({500, 502, 503, 504})
DECISION_TIMEOUT_S = 20.0


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def path_part(value: str) -> str:
    """A value (a case id, an application id) quoted to stand as one segment of a request path."""
    return quote(str(value), safe="")


class PlatformClient:
    def __init__(self, base_url: str, api_key: str, timeout_s: float = 5.0, kiosk_id: str | None = None,
                 client_cert: str | tuple[str, str] | None = None, ca_cert: str | None = None, *,
                 retries: int = 2, backoff_s: float = 0.25, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {api_key}", "Accept": "application/json",
                                     "User-Agent": f"property-kiosk/{kiosk_id or 'unknown'}"})
        if client_cert is not None:  # mutual TLS in production: the certificate identifies the kiosk
            self.session.cert = tuple(str(p) for p in client_cert) if isinstance(client_cert, (tuple, list)) \
                else str(client_cert)
        # Passed on every request, not only set on the session: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in
        # the environment override a session-level `verify`, which would silently trust another CA bundle.
        self._verify: str | bool = str(ca_cert) if ca_cert is not None else True
        if ca_cert is not None:
            self.session.verify = self._verify

    def close(self) -> None:
        self.session.close()

    # -- transport ---------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None, token: str | None = None,
                idempotency_key: str | None = None, retry: bool = False, expect_json: bool = True,
                headers: dict[str, str] | None = None, timeout_s: float | None = None):
        """One call to the gateway (path from the API root, its variable parts quoted with path_part): the
        timeout, the error mapping and, with retry=True (only for a call that is harmless to repeat: a read, or a
        change carrying an idempotency key), retries with back-off. Returns the JSON, or the response."""
        headers = dict(headers or {})
        if token is not None:
            headers["X-Applicant-Token"] = token
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        attempts = 1 + (self.retries if retry else 0)
        url = self.base_url + path
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.session.request(method, url, json=json, headers=headers,
                                                timeout=timeout_s or self.timeout_s, verify=self._verify)
            except requests.RequestException as exc:
                # Only the exception's type: its text can hold the URL and, with it, nothing personal, but stay safe.
                logger.warning("%s %s failed (attempt %d/%d): %s", method, path.split("?")[0], attempt + 1, attempts,
                               type(exc).__name__)
                if last:
                    raise PlatformUnavailable(type(exc).__name__) from None
                time.sleep(self.backoff_s * 2 ** attempt)
                continue
            if response.status_code in RETRY_STATUSES or response.status_code >= 500:
                logger.warning("%s %s answered %d (attempt %d/%d)", method, self._route(path), response.status_code,
                               attempt + 1, attempts)
                if last or response.status_code not in RETRY_STATUSES:
                    raise PlatformUnavailable(f"HTTP {response.status_code}")
                time.sleep(self.backoff_s * 2 ** attempt)
                continue
            if 400 <= response.status_code < 500:
                code, message = self._error(response)
                logger.info("%s %s refused: %d %s", method, self._route(path), response.status_code, code)
                raise PlatformRejected(code, response.status_code, message)
            if response.status_code >= 300:
                raise PlatformUnavailable(f"unexpected HTTP {response.status_code}")
            if not expect_json:
                return response
            try:
                return response.json()
            except ValueError:
                raise PlatformUnavailable("the gateway answered with something that is not JSON") from None
        raise PlatformUnavailable("no attempt made")  # unreachable: attempts >= 1

    @staticmethod
    def _route(path: str) -> str:
        return path.split("?")[0]

    @staticmethod
    def _error(response: requests.Response) -> tuple[str, str]:
        try:
            error = response.json()["error"]
            return str(error["code"]), str(error.get("message", ""))
        except (ValueError, KeyError, TypeError):
            return f"http_{response.status_code}", ""

    # -- API ---------------------------------------------------------------------------------------------------
    def health(self) -> dict:
        return self.request("GET", "/v1/health", retry=True)

    def issue_applicant_token(self, id_number: str, method: str, score: float | None) -> str:
        # Not retried: each call mints a token; the kiosk simply asks again if this one is lost.
        data = self.request("POST", "/v1/applicant-tokens",
                             json={"id_number": id_number, "method": method, "score": score},
                             idempotency_key=new_idempotency_key())
        return str(data["token"])

    def verify_identity(self, id_number: str, live_encodings, liveness: dict, card: dict | None = None) -> str:
        """The gateway's own decision on live face evidence: the applicant token, or PlatformRejected
        ("not_verified" for an unknown person and a face that does not match alike). Not retried: evidence is
        accepted once (a repeat is refused as a replay); the applicant simply looks at the camera again."""
        body = {"id_number": id_number, "method": "face",
                "live_encodings": [[round(float(v), 7) for v in encoding] for encoding in live_encodings],
                "liveness": liveness, "card": card or {}}
        # The gateway may encode the registry portrait (and the card photo) first: more than a lookup's time.
        data = self.request("POST", "/v1/identity-verifications", json=body, idempotency_key=new_idempotency_key(),
                            timeout_s=max(self.timeout_s, DECISION_TIMEOUT_S))
        body.clear()
        return str(data["token"])

    def revoke_applicant_token(self, token: str) -> None:
        """Ends the token at the gateway (the session is over); idempotent, so retried."""
        self.request("DELETE", "/v1/applicant-tokens/current", token=token, retry=True, expect_json=False)

    def list_cases(self, token: str) -> tuple[Case, ...]:
        data = self.request("GET", "/v1/cases", token=token, retry=True)
        return tuple(Case.from_json(item) for item in data["cases"])

    def get_case(self, token: str, case_id: str) -> Case:
        return Case.from_json(self.request("GET", f"/v1/cases/{path_part(case_id)}", token=token, retry=True))

    def fees(self, token: str, case_id: str) -> FeeSchedule:
        data = self.request("GET", f"/v1/cases/{path_part(case_id)}/fees", token=token, retry=True)
        return FeeSchedule.from_json(data)

    def create_payment_order(self, token: str, case_id: str, idempotency_key: str,
                             channel: str | None = None) -> PaymentOrder:
        """channel: one the site accepts (wechat | alipay); None: the gateway's first."""
        body = {"case_id": case_id, **({"channel": channel} if channel else {})}
        data = self.request("POST", "/v1/payment-orders", json=body, token=token,
                            idempotency_key=idempotency_key, retry=True)
        return PaymentOrder.from_json(data)

    def payment_channel_options(self) -> list[dict]:
        """The payment channels the site accepts, in the gateway's order: {"channel": "wechat", "name": "微信支付"}."""
        data = self.request("GET", "/v1/payment-channels", retry=True)
        return [{"channel": str(c.get("channel") or ""), "name": str(c.get("name") or c.get("channel"))}
                for c in data.get("channels") or ()]

    def payment_channels(self) -> list[str]:
        """The names of the payment channels the site accepts (微信支付, 支付宝...), in the gateway's order."""
        return [c["name"] for c in self.payment_channel_options()]

    def payment_status(self, token: str, order_id: str) -> PaymentOrder:
        data = self.request("GET", f"/v1/payment-orders/{path_part(order_id)}", token=token, retry=True)
        return PaymentOrder.from_json(data)

    def request_proof(self, token: str, kind: str, idempotency_key: str, *, purpose: str | None = None,
                      unit_numbers: list[str] | None = None) -> dict:
        """purpose: the hall's purpose code, printed on the proof; unit_numbers: the properties chosen (None: all)."""
        body: dict = {"kind": kind}
        if purpose is not None:
            body["purpose"] = purpose
        if unit_numbers is not None:
            body["unit_numbers"] = list(unit_numbers)
        return self.request("POST", "/v1/proofs", json=body, token=token, idempotency_key=idempotency_key,
                            retry=True)

    def proof_document(self, token: str, proof_id: str, language: str = "zh") -> bytes:
        """The proof as the registration centre's sealed PDF (to print, or to hand over as a file)."""
        response = self.request("GET", f"/v1/proofs/{path_part(proof_id)}/document.pdf?language={language}",
                                token=token, retry=True, expect_json=False)
        return response.content

    def certificate(self, token: str, case_id: str) -> dict:
        return self.request("GET", f"/v1/cases/{path_part(case_id)}/certificate", token=token, retry=True)

    def record_certificate_serial(self, token: str, case_id: str, serial: str, idempotency_key: str) -> dict:
        return self.request("POST", f"/v1/cases/{path_part(case_id)}/certificate/serial",
                             json={"serial": serial}, token=token, idempotency_key=idempotency_key, retry=True)

    def e_certificate_link(self, token: str, case_id: str) -> dict:
        """A short-lived download link (url, expires_at, expires_in_s, documents) for the applicant's phone.
        Not retried: each call mints a link; one lost in transit expires unused and the kiosk asks again."""
        return self.request("POST", f"/v1/cases/{path_part(case_id)}/e-certificate-links", token=token)

    def heartbeat(self, payload: dict) -> list[dict]:
        return list(self.heartbeat_reply(payload).get("commands", []))

    def heartbeat_reply(self, payload: dict) -> dict:
        """The whole reply: commands, and the central configuration while the kiosk should run another."""
        # Not retried: the next heartbeat is the retry.
        data = self.request("POST", "/v1/heartbeats", json=payload, idempotency_key=new_idempotency_key())
        return data if isinstance(data, dict) else {}

    def upload_screenshot(self, request_id: str, png: bytes) -> None:
        """Staff's requested screenshot (gateway.remote_view), as the PNG body."""
        path = f"/v1/kiosk-screenshots/{path_part(request_id)}"
        try:
            response = self.session.post(self.base_url + path, data=png, headers={"Content-Type": "image/png"},
                                         timeout=self.timeout_s * 4, verify=self._verify)
        except requests.RequestException as exc:
            raise PlatformUnavailable(type(exc).__name__) from None
        if response.status_code >= 500:
            raise PlatformUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            code, message = self._error(response)
            raise PlatformRejected(code, response.status_code, message)

    def put_bytes(self, path: str, data: bytes) -> dict:
        """A raw body PUT (a material upload's chunk); harmless to repeat: the gateway recognises a chunk sent again."""
        try:
            response = self.session.put(self.base_url + path, data=data,
                                        headers={"Content-Type": "application/octet-stream"},
                                        timeout=self.timeout_s * 4, verify=self._verify)
        except requests.RequestException as exc:
            raise PlatformUnavailable(type(exc).__name__) from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise PlatformUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            code, message = self._error(response)
            raise PlatformRejected(code, response.status_code, message)
        return response.json()

    def post_event(self, kind: str, idempotency_key: str, occurred_at: dt.datetime | str, payload: dict) -> str:
        """Delivers one outbox event; "accepted" or "duplicate" (already applied under this key)."""
        if isinstance(occurred_at, dt.datetime):
            if occurred_at.tzinfo is None:
                raise ValueError("occurred_at must be timezone-aware")
            occurred_at = occurred_at.isoformat()
        data = self.request("POST", "/v1/kiosk-events",
                             json={"kind": kind, "occurred_at": occurred_at, "payload": payload},
                             idempotency_key=idempotency_key, retry=True)
        return str(data["status"])

    def post_events(self, events: list[dict]) -> list[dict]:
        """Delivers many outbox events in one request (each {idempotency_key, kind, occurred_at, payload}); one
        result each, in order: {"idempotency_key", "status": accepted|duplicate|rejected|held, "error"}."""
        data = self.request("POST", "/v1/kiosk-events/batch", json={"events": events}, retry=True)
        results = list(data["results"])
        if len(results) != len(events):
            raise PlatformUnavailable(f"batch answer has {len(results)} results for {len(events)} events")
        return results

    def pickup_keys(self) -> list[dict]:
        return list(self.request("GET", "/v1/pickup-keys", retry=True)["public_keys"])

    def deposit(self, case_id: str, compartment: str, idempotency_key: str) -> dict:
        return self.request("POST", "/v1/lockers/deposits", json={"case_id": case_id, "compartment": compartment},
                             idempotency_key=idempotency_key, retry=True)

    def record_pickup(self, code_id: str, compartment: str, idempotency_key: str,
                      occurred_at: dt.datetime | None = None) -> dict:
        body: dict[str, Any] = {"code_id": code_id, "compartment": compartment}
        if occurred_at is not None:
            body["occurred_at"] = occurred_at.isoformat()
        return self.request("POST", "/v1/lockers/pickups", json=body, idempotency_key=idempotency_key, retry=True)

    def request_help(self, step: str, location: str) -> dict:
        """Call staff to this kiosk (kiosk.staff_help): {"request_id", "number"}. Not retried: a second tap does."""
        return self.request("POST", "/v1/help-requests", json={"step": step, "location": location})

    def staff_assisted_verification(self, credential_kind: str, credential: str, pin: str, id_number: str,
                                    reason: str, reason_text: str | None = None) -> dict:
        """A staff member vouches for the applicant (kiosk.staff_assist): {"token", "staff_id", "services"}. Not
        retried: a staff QR code works once, and the PIN counts every try."""
        return self.request("POST", "/v1/staff-assisted-verifications",
                            json={"credential_kind": credential_kind, "credential": credential, "pin": pin,
                                  "id_number": id_number, "reason": reason, "reason_text": reason_text})

    def request_rating_callback(self, rating_id: str, phone: str) -> None:
        """A low rating's call-back (kiosk.rating): the phone number goes to the gateway only, kept encrypted there."""
        self.request("POST", "/v1/rating-callbacks", json={"rating_id": rating_id, "phone": phone},
                     idempotency_key=f"callback:{rating_id}", retry=True)

    def take_queue_ticket(self, business: str) -> dict:
        """A queue ticket for a business (kiosk.hall_queue): number, waiting_ahead, window area. Not retried."""
        return self.request("POST", "/v1/queue/tickets", json={"business": business})

    def check_in_appointment(self, code: str) -> dict:
        """An online appointment checked in by its QR code: its queue ticket (the same one if checked in before)."""
        return self.request("POST", "/v1/queue/check-ins", json={"code": code}, retry=True)
