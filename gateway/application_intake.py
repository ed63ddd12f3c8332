"""Submitting a one-window application (一窗受理): the form checked against the catalogue, the materials against
this kiosk's finished uploads, and the case opened with its 受理 date and statutory deadline."""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from gateway.application_models import Application
from gateway.business_catalogue import Business
from gateway.casework import today_in_china
from gateway.errors import ApiError
from gateway.material_models import MaterialUpload
from gateway.models import Case, CaseStep, Person, Property, PropertyRestriction, utcnow
from gateway.parallel_review import new_pushes
from gateway.register_entry import in_force_on
from gateway.secrets_at_rest import seal_text, unseal_text

logger = logging.getLogger(__name__)

TEXT_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KIND_PATTERNS = {"id_number": re.compile(r"^[0-9A-Z]{6,18}$"), "phone": re.compile(r"^1[3-9][0-9]{9}$"),
                  "amount": re.compile(r"^[0-9]{1,12}$")}


def form_purpose(application_no: str) -> str:
    return f"application-form:{application_no}"


def note_purpose(application_no: str) -> str:
    return f"application-correction:{application_no}"


@dataclass(frozen=True)
class MaterialIn:
    code: str
    sha256: str
    pages: int


def _gateway_values(db, business: Business, person: Person, prop: Property) -> dict[str, str]:
    """The fields the gateway fills itself, from the verified person and the property's register entry: the kiosk
    may show them but not change them."""
    mortgagee = db.scalar(select(PropertyRestriction.holder).where(
        PropertyRestriction.property_id == prop.property_id, PropertyRestriction.kind == "mortgage",
        in_force_on(PropertyRestriction, today_in_china())).order_by(PropertyRestriction.registered_on))
    known = {"card.name": person.name, "card.id_number": person.id_number,
             "registration.property_address": prop.address, "registration.certificate_number": prop.certificate_no,
             "registration.unit_number": prop.unit_no, "bank.mortgagee": mortgagee}
    values = {}
    for field in business.fields:
        if field.source in known:
            if known[field.source] is None:
                if field.source == "bank.mortgagee":
                    raise ApiError(409, "no_mortgage", "The property has no mortgage in force to cancel.")
                continue
            values[field.name] = str(known[field.source])
    return values


def prefill(db, business: Business, id_number: str, property_id: str) -> dict[str, str]:
    person, prop = _person_and_property(db, id_number, property_id)
    return _gateway_values(db, business, person, prop)


def _person_and_property(db, id_number: str, property_id: str) -> tuple[Person, Property]:
    person = db.get(Person, id_number)
    prop = db.get(Property, property_id)
    if person is None or prop is None or prop.id_number != id_number:
        raise ApiError(404, "property_not_found", "No such property registered to this applicant.")
    return person, prop


def _check_value(field, value) -> str:
    if not isinstance(value, str):
        raise ApiError(422, "field_invalid", f"Field {field.name} must be text.")
    value = value.strip()
    if not value:
        if field.required:
            raise ApiError(422, "field_missing", f"Field {field.name} is required.")
        return ""
    if len(value) > TEXT_MAX or _CONTROL.search(value):
        raise ApiError(422, "field_invalid", f"Field {field.name} is at most {TEXT_MAX} characters, no control "
                                             "characters.")
    if field.kind == "choice" and value not in field.choices:
        raise ApiError(422, "field_invalid", f"Field {field.name} is one of {', '.join(field.choices)}.")
    if field.kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ApiError(422, "field_invalid", f"Field {field.name} is a date (YYYY-MM-DD).") from None
    pattern = _KIND_PATTERNS.get(field.kind)
    if pattern is not None and not pattern.match(value):
        raise ApiError(422, "field_invalid", f"Field {field.name} is not a valid {field.kind.replace('_', ' ')}.")
    return value


def check_form(db, business: Business, person: Person, prop: Property, sent: dict) -> dict[str, str]:
    """The whole form: the gateway's own values, then what the applicant entered or confirmed, each checked."""
    names = {f.name for f in business.fields}
    unknown = sorted(set(sent) - names)
    if unknown:
        raise ApiError(422, "field_unknown", f"The form of {business.code} has no field {unknown[0][:48]!r}.")
    own = _gateway_values(db, business, person, prop)
    form = {}
    for field in business.fields:
        if field.name in own:
            if field.name in sent and str(sent[field.name]).strip() != own[field.name]:
                raise ApiError(422, "field_not_editable",
                               f"Field {field.name} comes from the {field.source.split('.')[0]} record; it cannot be "
                               "changed at a kiosk.")
            form[field.name] = own[field.name]
            continue
        value = _check_value(field, sent.get(field.name, ""))
        if value:
            form[field.name] = value
    return form


def check_materials(db, business: Business, kiosk_id: str, sent: list[MaterialIn],
                    allowed: set[str] | None = None) -> list[dict]:
    """The materials sent, each a finished upload of this kiosk with pages within the catalogue's range. Fetched
    materials are the gateway's to fetch and are not sent; `allowed` limits which may be sent (a correction)."""
    codes = [m.code for m in sent]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ApiError(422, "material_repeated", f"Material {repeated[0]} is sent twice.")
    by_code = {m.code: m for m in business.materials}
    for item in sent:
        material = by_code.get(item.code)
        if material is None:
            raise ApiError(422, "material_unknown", f"The checklist of {business.code} has no material "
                                                    f"{item.code[:48]!r}.")
        if material.fetched_from not in (None, "kiosk_form"):
            raise ApiError(422, "material_fetched", f"Material {item.code} is fetched by the gateway; do not send it.")
        if allowed is not None and item.code not in allowed:
            raise ApiError(422, "material_not_requested", f"Material {item.code} was not asked for.")
        if not max(material.min_pages, 1) <= item.pages <= material.max_pages:
            raise ApiError(422, "material_pages", f"Material {item.code} has {max(material.min_pages, 1)} to "
                                                  f"{material.max_pages} pages.")
        upload = db.scalar(select(MaterialUpload).where(MaterialUpload.kiosk_id == kiosk_id,
                                                        MaterialUpload.sha256 == item.sha256))
        if upload is None or upload.status != "complete":
            raise ApiError(409, "material_not_uploaded", f"Material {item.code} has not been uploaded in full from "
                                                         "this kiosk.")
    if allowed is None:
        for material in business.materials:
            needed = material.fetched_from == "kiosk_form" or (material.captured and material.min_pages > 0)
            if needed and material.code not in codes:
                raise ApiError(422, "material_missing", f"Material {material.code} is missing.")
    return [{"code": m.code, "sha256": m.sha256, "pages": m.pages} for m in sent]


def new_application_no(db) -> str:
    """YC + the date in China + 8 random digits: printed on the receipt, not guessable from another one's."""
    while True:
        number = f"YC{today_in_china():%Y%m%d}{secrets.randbelow(10 ** 8):08d}"
        if db.get(Case, number) is None:
            return number


def open_application(db, business: Business, kiosk_id: str, id_number: str, property_id: str, sent_form: dict,
                     sent_materials: list[MaterialIn]) -> Application:
    """Checks everything, then adds the application, its case (received today) and one pending push per
    department to the caller's transaction. Refuses before adding anything."""
    person, prop = _person_and_property(db, id_number, property_id)
    form = check_form(db, business, person, prop, sent_form)
    materials = check_materials(db, business, kiosk_id, sent_materials)
    number = new_application_no(db)
    now = utcnow()
    today = today_in_china()
    db.add(Case(case_id=number, id_number=id_number, kind=business.case_kind, title=business.title_zh,
                status="received", received_on=today, time_limit_working_days=business.time_limit_working_days,
                extension_working_days=0, property_address=prop.address, area_m2=prop.area_m2, price_fen=0,
                first_home=True, certificate_no=prop.certificate_no))
    db.add(CaseStep(case_id=number, status="received", at=now))
    db.flush()  # the case before the application that refers to it (PostgreSQL checks the key at once)
    application = Application(
        application_no=number, case_id=number, kiosk_id=kiosk_id, business_code=business.code,
        form_sealed=seal_text(json.dumps(form, ensure_ascii=False).encode(), form_purpose(number)),
        materials=[{**m, "round": 1} for m in materials], status="submitted", review_round=1, submitted_at=now)
    db.add(application)
    db.flush()
    db.add_all(new_pushes(number))
    logger.info("application %s submitted for %s with %d materials", number, business.code, len(materials))
    return application


def form_of(application: Application) -> dict[str, str]:
    return json.loads(unseal_text(application.form_sealed, form_purpose(application.application_no)))


def correction_note(application: Application) -> str:
    if not application.correction_note_sealed:
        return ""
    return unseal_text(application.correction_note_sealed, note_purpose(application.application_no)).decode()


def add_correction(db, business: Business, application: Application, kiosk_id: str,
                   sent: list[MaterialIn]) -> Application:
    """The applicant brings what was asked for (at any kiosk): the materials named in the correction request,
    uploaded from this kiosk; the application goes back to pre-review."""
    if application.status != "needs_correction":
        raise ApiError(409, "no_correction_requested", "This application is not waiting for a correction.")
    requested = set(application.correction_materials or [])
    if not sent:
        raise ApiError(422, "material_missing", "Send the materials asked for.")
    sendable = {m.code for m in business.materials if m.fetched_from in (None, "kiosk_form")}
    materials = check_materials(db, business, kiosk_id, sent, allowed=requested or sendable)
    if requested - {m["code"] for m in materials}:
        missing = sorted(requested - {m["code"] for m in materials})[0]
        raise ApiError(422, "material_missing", f"Material {missing} is still missing.")
    application.review_round += 1
    kept = [m for m in application.materials if m["code"] not in {n["code"] for n in materials}]
    application.materials = kept + [{**m, "round": application.review_round} for m in materials]
    application.status = "submitted"
    application.correction_materials = None
    application.correction_note_sealed = None
    application.correction_requested_at = None
    logger.info("application %s corrected with %d materials (round %d)", application.application_no,
                len(materials), application.review_round)
    return application
