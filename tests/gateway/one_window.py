"""Helpers of the one-window application tests: made-up captured materials, their chunked upload, a submission."""
from __future__ import annotations

import functools
import hashlib
import uuid

from sqlalchemy import select

from gateway.models import Property, PropertyRestriction

CHUNK = 256 * 1024


@functools.lru_cache(maxsize=16)
def captured_material(title: str, pages: int = 1, seed: int = 0) -> bytes:
    """A material as a kiosk uploads it: made-up pages (no real person's papers) photographed at an angle under
    uneven light, put through the real capture pipeline, joined into one PDF."""
    from peripherals.document_camera.capture import encode_page, pages_to_pdf, process
    from peripherals.document_camera.simulator import Shot, photograph, render_page

    jpegs = []
    for n in range(pages):
        frame = photograph(render_page(title, seed=seed * 10 + n), Shot(angle_deg=6 - 4 * n, tilt=0.08, light=0.5),
                           seed=seed * 10 + n)
        capture = process(frame)
        assert capture.accepted, capture
        jpegs.append(encode_page(capture.page))
    return pages_to_pdf(jpegs)


def upload(http, headers: dict, data: bytes) -> str:
    """Sends a material in chunks through the resumable upload and completes it; its SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    opened = http.post("/v1/material-uploads", headers=headers, json={"sha256": digest, "size": len(data)})
    assert opened.status_code == 201, opened.text
    upload_id, offset = opened.json()["upload_id"], opened.json()["received"]
    while offset < len(data):
        answer = http.put(f"/v1/material-uploads/{upload_id}/chunks/{offset}", headers=headers,
                          content=data[offset:offset + CHUNK])
        assert answer.status_code == 200, answer.text
        offset = answer.json()["received"]
    done = http.post(f"/v1/material-uploads/{upload_id}/complete", headers=headers)
    assert done.status_code == 200, done.text
    return digest


def mortgaged_property(db, id_number: str) -> Property:
    return db.scalars(select(Property).join(PropertyRestriction, PropertyRestriction.property_id == Property.property_id)
                      .where(Property.id_number == id_number, PropertyRestriction.kind == "mortgage",
                             PropertyRestriction.in_force.is_(True))).first()


def mortgage_cancellation(http, headers: dict, property_id: str, *, phone: str = "13900000023") -> dict:
    """The body of a mortgage cancellation with its three uploads done (mortgage proof, the certificate's two pages,
    the signed form); the mortgagee's release is the gateway's to fetch."""
    proof = upload(http, headers, captured_material("不动产登记证明（抵押，演示）"))
    certificate = upload(http, headers, captured_material("不动产权证书（演示）", 2, seed=1))
    signed = upload(http, headers, captured_material("不动产登记申请书（演示，已签名）", seed=2))
    return {"business_code": "mortgage_cancellation", "property_id": property_id, "form": {"phone": phone},
            "materials": [{"code": "mortgage_certificate", "sha256": proof, "pages": 1},
                          {"code": "certificate_original", "sha256": certificate, "pages": 2},
                          {"code": "application_form", "sha256": signed, "pages": 1}]}


def key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}
