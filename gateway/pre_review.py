"""Staff pre-review (预审) of submitted applications: the queue, one application's form and materials, accepting it
or returning it for correction (需补正) with an SMS to the applicant; every act audited."""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from sqlalchemy import select

from gateway.application_intake import correction_note, form_of, note_purpose
from gateway.application_models import Application
from gateway.business_catalogue import Business, Catalogue
from gateway.casework import today_in_china
from gateway.deps import audit
from gateway.models import Case, CaseStep, Person, utcnow
from gateway.parallel_review import pushes_of
from gateway.routers.material_uploads import material_key
from gateway.secrets_at_rest import seal_text
from masking import mask_name

logger = logging.getLogger(__name__)

NOTE_MAX = 300
CORRECTION_TEMPLATE = "application_correction"
ACCEPTED_TEMPLATE = "application_accepted"
QUEUE_ROWS = 200


class ReviewRefused(Exception):
    """A review act that does not fit the application's state or the catalogue; the message is for staff."""


@dataclass(frozen=True)
class Material:
    code: str
    title: str
    pages: int
    round: int
    kind: str  # "pdf", "jpeg" or "png"


def queue(db, catalogue: Catalogue) -> list[dict]:
    """Applications waiting for staff first (oldest first), then those waiting for the applicant's correction."""
    rows = db.execute(select(Application, Case, Person.name)
                      .join(Case, Case.case_id == Application.case_id)
                      .join(Person, Person.id_number == Case.id_number, isouter=True)
                      .where(Application.status.in_(("submitted", "needs_correction")))
                      .order_by(Application.status.desc(), Application.submitted_at).limit(QUEUE_ROWS)).all()
    out = []
    for application, case, name in rows:
        business = catalogue.get(application.business_code)
        out.append({"application_no": application.application_no, "status": application.status,
                    "title": business.title_zh if business else application.business_code,
                    "applicant": mask_name(name), "kiosk_id": application.kiosk_id,
                    "submitted_at": application.submitted_at.isoformat(timespec="seconds"),
                    "round": application.review_round, "materials": len(application.materials),
                    "pushes": pushes_of(db, application.application_no)})
    return out


def _kind_of(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"\x89PNG"):
        return "png"
    return "jpeg"


def detail(db, store, catalogue: Catalogue, application_no: str, staff: str) -> dict | None:
    """The form (labels and values) and the materials list, for the side-by-side page; reading it is audited."""
    application = db.get(Application, application_no)
    if application is None:
        return None
    business = catalogue.get(application.business_code)
    case = db.get(Case, application.case_id)
    form = form_of(application)
    fields = [{"name": f.name, "label": f"{f.label_zh} / {f.label_en}", "value": form.get(f.name, ""),
               "source": f.source} for f in business.fields] if business else []
    materials = []
    for item in application.materials:
        material = next((m for m in business.materials if m.code == item["code"]), None) if business else None
        data = store.get(material_key(item["sha256"]))
        materials.append(Material(item["code"], material.title_zh if material else item["code"],
                                  _page_count(data), item.get("round", 1), _kind_of(data)))
    fetched = [m.title_zh for m in business.fetched_materials if m.fetched_from != "kiosk_form"] if business else []
    sendable = [{"code": m.code, "title": m.title_zh} for m in business.materials
                if m.fetched_from in (None, "kiosk_form")] if business else []
    audit(db, staff, "application_viewed", application_no, {"round": application.review_round})
    db.commit()
    return {"application_no": application_no, "status": application.status, "round": application.review_round,
            "title": business.title_zh if business else application.business_code, "kiosk_id": application.kiosk_id,
            "received_on": case.received_on.isoformat(), "fields": fields, "materials": materials,
            "fetched": fetched, "sendable": sendable, "pushes": pushes_of(db, application_no),
            "correction": {"materials": [{"code": code, "title": business.material(code).title_zh if business
                                          else code} for code in application.correction_materials or []],
                           "note": correction_note(application)}
            if application.status == "needs_correction" else None}


def _page_count(data: bytes) -> int:
    if _kind_of(data) != "pdf":
        return 1
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def material_page(db, store, application_no: str, code: str, page: int, staff: str) -> tuple[bytes, str] | None:
    """One page of a material as an image for the browser: the JPEG a page's PDF embeds (img2pdf keeps it as it
    is), or the image itself; (bytes, media type), None when there is no such page. Audited."""
    application = db.get(Application, application_no)
    item = next((m for m in application.materials if m["code"] == code), None) if application else None
    if item is None:
        return None
    data = store.get(material_key(item["sha256"]))
    kind = _kind_of(data)
    if kind != "pdf":
        image = (data, "image/png" if kind == "png" else "image/jpeg") if page == 1 else None
    else:
        image = _pdf_page_image(data, page)
    if image is not None:
        audit(db, staff, "application_material_viewed", application_no, {"material": code, "page": page})
        db.commit()
    return image


def _pdf_page_image(data: bytes, page: int) -> tuple[bytes, str] | None:
    import pikepdf
    from PIL import Image

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if not 1 <= page <= len(pdf.pages):
            return None
        images = list(pdf.pages[page - 1].get_images().values())
        if not images:
            return None
        stream = images[0]
        if stream.get("/Filter") == pikepdf.Name.DCTDecode:
            return bytes(stream.read_raw_bytes()), "image/jpeg"
        out = io.BytesIO()  # another encoding: drawn again as PNG (lossless)
        pil: Image.Image = pikepdf.PdfImage(stream).as_pil_image()
        pil.save(out, format="PNG")
        return out.getvalue(), "image/png"


def material_pdf(db, store, application_no: str, code: str, staff: str) -> bytes | None:
    application = db.get(Application, application_no)
    item = next((m for m in application.materials if m["code"] == code), None) if application else None
    if item is None:
        return None
    data = store.get(material_key(item["sha256"]))
    audit(db, staff, "application_material_downloaded", application_no, {"material": code})
    db.commit()
    return data


def _phone_of(db, application: Application, case: Case) -> str | None:
    phone = form_of(application).get("phone")
    if phone:
        return phone
    person = db.get(Person, case.id_number)
    return person.phone if person else None


def _waiting(db, application_no: str) -> tuple[Application, Case]:
    application = db.get(Application, application_no, with_for_update=True)
    if application is None:
        raise ReviewRefused("No such application.")
    if application.status != "submitted":
        raise ReviewRefused(f"Application {application_no} is not waiting for pre-review (it is "
                            f"{application.status.replace('_', ' ')}).")
    return application, db.get(Case, application.case_id)


def accept(db, sms, catalogue: Catalogue, application_no: str, staff: str) -> Application:
    """Pre-review passed: the case moves on to review; a pre-application's time limit starts today (the hall's
    acceptance)."""
    application, case = _waiting(db, application_no)
    business: Business | None = catalogue.get(application.business_code)
    now = utcnow()
    application.status = "accepted"
    application.reviewed_at, application.reviewed_by = now, staff
    if business is not None and business.receipt == "pre_acceptance":
        case.received_on = today_in_china()
    if case.status == "received":
        case.status = "under_review"
        db.add(CaseStep(case_id=case.case_id, status="under_review", at=now))
    phone = _phone_of(db, application, case)
    if phone:
        sms.send(db, phone, ACCEPTED_TEMPLATE, {"application_no": application_no})
    audit(db, staff, "application_accepted", application_no, {"round": application.review_round})
    db.commit()
    logger.info("application %s accepted in pre-review (round %d)", application_no, application.review_round)
    return application


def return_for_correction(db, sms, catalogue: Catalogue, application_no: str, staff: str, materials: list[str],
                          note: str) -> Application:
    """需补正: names the materials to bring (catalogue codes) and what is wrong; the applicant gets an SMS and sees it
    in case status at any kiosk."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ReviewRefused(f"The note is at most {NOTE_MAX} characters.")
    application, case = _waiting(db, application_no)
    business = catalogue.get(application.business_code)
    sendable = {m.code for m in business.materials if m.fetched_from in (None, "kiosk_form")} if business else set()
    unknown = [code for code in materials if code not in sendable]
    if unknown:
        raise ReviewRefused(f"{unknown[0][:48]} is not a material the applicant can bring for this business.")
    if not materials and not note:
        raise ReviewRefused("Name what is missing or wrong: a material, a note, or both.")
    now = utcnow()
    application.status = "needs_correction"
    application.correction_materials = sorted(set(materials))
    application.correction_note_sealed = seal_text(note.encode(), note_purpose(application_no)) if note else None
    application.correction_requested_at = now
    application.reviewed_at, application.reviewed_by = now, staff
    phone = _phone_of(db, application, case)
    if phone:
        titles = [business.material(code).title_zh for code in application.correction_materials]
        sms.send(db, phone, CORRECTION_TEMPLATE, {"application_no": application_no, "materials": "、".join(titles)})
    audit(db, staff, "application_returned", application_no,
          {"round": application.review_round, "materials": application.correction_materials, "note": bool(note)})
    db.commit()
    logger.info("application %s returned for correction (%d materials named)", application_no,
                len(application.correction_materials))
    return application

