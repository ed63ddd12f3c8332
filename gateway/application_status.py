"""What an applicant sees of a one-window application: its review state in case status (with a correction request
and what to bring), the receipt's data (受理回执 / 预受理通知) and the QR that opens the case at any kiosk."""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import urllib.parse

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.application_models import Application
from gateway.business_catalogue import Business, Catalogue
from gateway.casework import deadline_of
from gateway.errors import ApiError
from gateway.models import Case, Person
from masking import mask_id_number, mask_name

logger = logging.getLogger(__name__)

# Every application's case number starts so: case status looks for an application only behind such a case.
NUMBER_PREFIX = "YC"
NUMBER_RE = re.compile(r"^YC[0-9]{16}$")
TAG_HEX = 20  # 80 bits of HMAC: a QR cannot be made up for an application number seen on someone else's receipt


def _material_titles(business: Business | None, codes) -> list[dict]:
    out = []
    for code in codes or []:
        material = next((m for m in business.materials if m.code == code), None) if business else None
        out.append({"code": code, "title_zh": material.title_zh if material else code,
                    "title_en": material.title_en if material else code})
    return out


def deadline_waits_for_hall(business: Business | None, application: Application) -> bool:
    """A pre-application's time limit runs from the hall's acceptance, not from the kiosk."""
    return business is not None and business.receipt == "pre_acceptance" and application.status != "accepted"


def review_json(application: Application, business: Business | None) -> dict:
    """The application's part of its case's status JSON (no personal data: the note is staff's words, shown to the
    applicant who has proved who they are)."""
    from gateway.application_intake import correction_note

    correction = None
    if application.status == "needs_correction":
        correction = {"materials": _material_titles(business, application.correction_materials),
                      "note": correction_note(application),
                      "requested_at": application.correction_requested_at.isoformat(timespec="seconds")
                      if application.correction_requested_at else None}
    return {"application_no": application.application_no, "business_code": application.business_code,
            "review": application.status, "round": application.review_round, "correction": correction,
            "deadline_from": "hall_acceptance" if deadline_waits_for_hall(business, application) else "received_on"}


def with_applications(db, catalogue: Catalogue | None, cases: list[dict]) -> list[dict]:
    """Case status JSON with each application's review state added (`application`; None for a case not opened at a
    kiosk). Only cases numbered like an application cost a query, so the status of other cases stays one read.
    `catalogue`: None for the default one."""
    numbers = [c["case_id"] for c in cases if c["case_id"].startswith(NUMBER_PREFIX)]
    found = {}
    if numbers:
        if catalogue is None:
            from gateway.business_catalogue import load_catalogue

            catalogue = load_catalogue()
        session = db if isinstance(db, Session) else Session(bind=db)  # the hot path reads on a Core connection
        found = {a.case_id: a for a in session.scalars(select(Application).where(Application.case_id.in_(numbers)))}
    out = []
    for case in cases:
        application = found.get(case["case_id"])
        if application is None:
            out.append({**case, "application": None})
            continue
        business = catalogue.get(application.business_code)
        extra = {"application": review_json(application, business)}
        if application.status == "needs_correction":
            extra["next_action"] = "provide_correction"
        if deadline_waits_for_hall(business, application):
            extra.update(deadline=None, working_days_left=None)
        out.append({**case, **extra})
    return out


def _tag(application_no: str) -> str:
    from gateway.audit_chain import current_seal_key

    key = hashlib.sha256(b"application-qr|v1|" + current_seal_key()).digest()
    return hmac.new(key, application_no.encode(), hashlib.sha256).hexdigest()[:TAG_HEX]


def qr_url(public_base_url: str, application_no: str) -> str:
    return f"{public_base_url.rstrip('/')}/applications/{application_no}?c={_tag(application_no)}"


def number_from_qr(text: str) -> str:
    """The application number a scanned QR carries, if its tag is this gateway's; else ApiError 404."""
    refused = ApiError(404, "application_not_found", "This code does not open an application here.")
    try:
        parts = urllib.parse.urlsplit(text.strip())
    except ValueError:
        raise refused from None
    match = re.fullmatch(r"/applications/(YC[0-9]{16})", parts.path)
    tag = urllib.parse.parse_qs(parts.query).get("c", [""])[0]
    if match is None or not tag_ok(match.group(1), tag):
        raise refused
    return match.group(1)


def tag_ok(application_no: str, tag: str) -> bool:
    return bool(NUMBER_RE.match(application_no)) and hmac.compare_digest(_tag(application_no).encode(),
                                                                         tag.encode()[:TAG_HEX * 2])


def applicant_application(db, id_number: str, application_no: str) -> tuple[Application, Case]:
    """The application if it is the applicant's, whichever kiosk took it; otherwise 404 (another person's does not
    'exist')."""
    application = db.get(Application, application_no) if NUMBER_RE.match(application_no) else None
    case = db.get(Case, application.case_id) if application is not None else None
    if case is None or case.id_number != id_number:
        raise ApiError(404, "application_not_found", "No such application for this applicant.")
    return application, case


def receipt_json(db, application: Application, case: Case, business: Business, office: str,
                 public_base_url: str) -> dict:
    """What the kiosk prints on the 受理回执 (or, for what the hall completes, the 预受理通知)."""
    person = db.get(Person, case.id_number)
    received = {m["code"]: m for m in application.materials}
    materials = []
    for material in business.materials:
        item = received.get(material.code)
        if item is None and material.fetched_from in (None, "kiosk_form"):
            continue  # optional and not brought
        materials.append({"code": material.code, "title_zh": material.title_zh, "title_en": material.title_en,
                          "how": "fetched" if item is None else ("signed_form" if material.fetched_from
                                                                 else "captured"),
                          "fetched_from": material.fetched_from if item is None else None,
                          "pages": item["pages"] if item else None})
    waits = deadline_waits_for_hall(business, application)
    due = deadline_of(case)
    return {"application_no": application.application_no, "case_id": case.case_id,
            "document": "pre_acceptance_notice" if business.receipt == "pre_acceptance" else "acceptance_receipt",
            "title_zh": business.title_zh, "title_en": business.title_en, "office": office,
            "applicant_name_masked": mask_name(person.name if person else ""),
            "id_number_masked": mask_id_number(case.id_number),
            "submitted_at": application.submitted_at.isoformat(timespec="seconds"),
            "received_on": case.received_on.isoformat(),
            "time_limit_working_days": business.time_limit_working_days,
            "deadline": None if waits else due.due.isoformat(),
            "deadline_estimated": False if waits else due.estimated,
            "deadline_from": "hall_acceptance" if waits else "received_on",
            "review": application.status,
            "materials": materials,
            "qr_url": qr_url(public_base_url, application.application_no)}
