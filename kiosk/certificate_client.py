"""The gateway's certificate API for the kiosk (gateway/routers/certificates.py), over the platform client."""
from __future__ import annotations

import base64
import logging

from kiosk.platform_client import path_part

logger = logging.getLogger(__name__)


def ready_certificates(platform, token: str) -> list[dict]:
    return platform.request("GET", "/v1/certificates", token=token, retry=True)["certificates"]


def certificate_content(platform, token: str, copy_id: str) -> dict:
    return platform.request("GET", f"/v1/certificates/{path_part(copy_id)}/content", token=token, retry=True)


def write_back_serial(platform, token: str, copy_id: str, serial: str, key: str) -> dict:
    return platform.request("POST", f"/v1/certificates/{path_part(copy_id)}/serial", json={"serial": serial},
                            token=token, idempotency_key=key, retry=True)


def void_blank(platform, serial: str, reason: str, copy_id: str | None, key: str) -> dict:
    return platform.request("POST", f"/v1/certificate-blanks/{path_part(serial)}/void",
                            json={"reason": reason, "copy_id": copy_id}, idempotency_key=key, retry=True)


def record_collected(platform, token: str, copy_id: str, signature_png: bytes, key: str,
                     face_jpeg: bytes | None = None) -> dict:
    body = {"signature_png_b64": base64.b64encode(signature_png).decode()}
    if face_jpeg:
        body["face_jpeg_b64"] = base64.b64encode(face_jpeg).decode()
    return platform.request("POST", f"/v1/certificates/{path_part(copy_id)}/collected", json=body, token=token,
                            idempotency_key=key, retry=True)


def choose_receive_method(platform, token: str, copy_id: str, method: str) -> dict:
    return platform.request("POST", f"/v1/certificates/{path_part(copy_id)}/receive-method",
                            json={"method": method}, token=token)


def send_by_courier(platform, token: str, copy_id: str, address: str, key: str) -> dict:
    """The waybill for sending the certificate by courier (EMS) to the address (personal data: never logged)."""
    return platform.request("POST", f"/v1/certificates/{path_part(copy_id)}/courier", json={"address": address},
                            token=token, idempotency_key=key)


def gateway_blanks(platform) -> list[dict]:
    return platform.request("GET", "/v1/certificate-blanks", retry=True)["blanks"]


def reconcile(ledger, platform) -> list[str]:
    """Serials whose fate differs between the kiosk's blank ledger and the gateway ([] when they agree)."""
    theirs = {b["serial"]: b for b in gateway_blanks(platform)}
    differences = []
    for entry in ledger.entries():
        other = theirs.get(entry.serial)
        expected = {"printed": "printed", "voided": "voided"}.get(entry.state, "issued")
        if other is None:
            differences.append(f"{entry.serial}: not issued by the gateway")
        elif other["state"] != expected:
            differences.append(f"{entry.serial}: {entry.state} here, {other['state']} on the gateway")
    return differences
