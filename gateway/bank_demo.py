"""Demo data for bank service points: the demo bank's staff, its prepared applications, one already recorded.

The applications are prepared for the demo persons (docs/demo-persons.md); only a demo gateway seeds them.
"""
from __future__ import annotations

import io
import logging

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from gateway.adapters.bank import SimulatedBank
from gateway.bank_models import BankStaff, MortgageApplication, MortgageParty, MortgageSignature
from gateway.bank_recording import record_mortgage
from gateway.bank_signing import add_staff, png_digest, submit_application
from gateway.models import Case, CaseStep, Person, utcnow

logger = logging.getLogger(__name__)

DEMO_BANK = "中国建设银行 示范支行"
DEMO_STAFF = (("1001", "王柜员", "246810"),)  # staff number and PIN: typed on the keypad
_DOCUMENTS = [{"name": "抵押合同", "pages": 6}, {"name": "借款合同", "pages": 12}, {"name": "不动产权证书复印件", "pages": 2}]


def demo_applications(kiosk_id: str) -> list[tuple[dict, list[tuple[str, str, str]]]]:
    """(application, [(role, id_number, name)]) for the demo: two parties, one party, and a second one-party case."""
    return [
        ({"application_id": "MA-DEMO-001", "property_address": "广东省深圳市南山区幸福路8号2单元301室",
          "certificate_no": "粤（2024）深圳市不动产权第0012345号", "area_m2": "89.50", "loan_amount_fen": 150_000_000,
          "term_months": 360},
         [("mortgagor", "440305198001163458", "林曼努"), ("co_owner", "110105196108041235", "欧阳明")]),
        ({"application_id": "MA-DEMO-002", "property_address": "上海市徐汇区和平大街16号5幢1102室",
          "certificate_no": "沪（2023）徐汇区不动产权第0067890号", "area_m2": "126.30", "loan_amount_fen": 98_000_000,
          "term_months": 240},
         [("mortgagor", "982611198702095671", "罗丝")]),
        ({"application_id": "MA-DEMO-003", "property_address": "北京市朝阳区光华里3号楼702室",
          "certificate_no": "京（2022）朝阳区不动产权第0004321号", "area_m2": "145.80", "loan_amount_fen": 210_000_000,
          "term_months": 300},
         [("mortgagor", "110105196108041235", "欧阳明"), ("co_owner", "440305198001163458", "林曼努")]),
    ]


# Already signed, paid and recorded: its mortgagor can print the registration proof at once (the demo of printing).
DEMO_RECORDED = ({"application_id": "MA-DEMO-004", "property_address": "上海市浦东新区世纪大道100号",
                  "certificate_no": "沪（2021）浦东新区不动产权第0054321号", "area_m2": "118.40",
                  "loan_amount_fen": 120_000_000, "term_months": 240},
                 [("mortgagor", "310115194211202341", "白德华")])


def _add_application(db: Session, kiosk_id: str, fields: dict, parties) -> MortgageApplication:
    from gateway.national_formats import parse_certificate_number

    fields = {**fields, "certificate_no": str(parse_certificate_number(fields["certificate_no"]))}
    application = MortgageApplication(kiosk_id=kiosk_id, bank_name=DEMO_BANK, documents=_DOCUMENTS,
                                      status="prepared", prepared_at=utcnow(), **fields)
    db.add(application)
    db.flush()
    for seq, (role, id_number, name) in enumerate(parties, start=1):
        db.add(MortgageParty(application_id=fields["application_id"], seq=seq, role=role, id_number=id_number,
                             name=name))
    db.flush()
    return application


def demo_signature_png() -> bytes:
    """A small PNG, a dark diagonal stroke on white, standing in for a signature drawn on the pad."""
    image = Image.new("L", (64, 16), 255)
    ImageDraw.Draw(image).line([(0, 0), (63, 15)], fill=0, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _seed_recorded(db: Session, kiosk_id: str, office: str) -> None:
    fields, parties = DEMO_RECORDED
    if db.get(MortgageApplication, fields["application_id"]) is not None \
            or any(db.get(Person, id_number) is None for _, id_number, _ in parties):
        return  # already there, or the demo persons are not (a bare test database)
    application = _add_application(db, kiosk_id, fields, parties)
    now = utcnow()
    png = demo_signature_png()
    for seq in range(1, len(parties) + 1):
        db.add(MortgageSignature(application_id=application.application_id, seq=seq, signature_png=png,
                                 signature_sha256=png_digest(png), method="face", score=0.41, verified_at=now,
                                 signed_at=now))
    db.flush()
    submit_application(db, application, SimulatedBank())
    case = db.get(Case, application.case_id)
    case.status = "paid"
    db.add(CaseStep(case_id=case.case_id, status="paid", at=now))
    db.flush()
    record_mortgage(db, application, office, kiosk_id)


def seed_bank_demo(db: Session, kiosk_id: str = "demo-bank-01", office: str = "不动产登记中心（演示）") -> None:
    """Demo staff and prepared applications for a bank kiosk, and one already recorded (safe to run again: existing
    rows are kept)."""
    for staff_id, name, pin in DEMO_STAFF:
        if db.get(BankStaff, staff_id) is None:
            add_staff(db, kiosk_id, staff_id, name, pin)
    for fields, parties in demo_applications(kiosk_id):
        if db.get(MortgageApplication, fields["application_id"]) is None:
            _add_application(db, kiosk_id, fields, parties)
    _seed_recorded(db, kiosk_id, office)
    db.commit()
