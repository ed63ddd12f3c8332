"""Mortgage signing at bank service points: bank staff, prepared applications, parties' signatures, submission."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.casework import TIME_LIMIT_WORKING_DAYS, TITLES, today_in_china
from gateway.dashboard.passwords import hash_password
from gateway.models import Base, BankSubmission, Case, CaseStep, utcnow

logger = logging.getLogger(__name__)

STAFF_TOKEN_TTL = dt.timedelta(minutes=30)
MAX_PIN_FAILURES = 5
PIN_LOCK = dt.timedelta(minutes=15)
APPLICATION_STATUSES = ("prepared", "submitted", "declined")


class BankStaff(Base):
    __tablename__ = "bank_staff"
    staff_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)  # the bank service point the staff member serves
    name: Mapped[str] = mapped_column(String(64))
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]


class BankStaffToken(Base):
    __tablename__ = "bank_staff_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("bank_staff.staff_id"))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class MortgageApplication(Base):
    """A mortgage registration the bank prepared (from the bank's loan system), awaiting its parties' signatures."""

    __tablename__ = "mortgage_applications"
    application_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    bank_name: Mapped[str] = mapped_column(String(120))
    property_address: Mapped[str] = mapped_column(String(200))
    certificate_no: Mapped[str] = mapped_column(String(64))
    area_m2: Mapped[str] = mapped_column(String(16))
    loan_amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int] = mapped_column(Integer)
    documents: Mapped[list]
    status: Mapped[str] = mapped_column(String(16), default="prepared")
    prepared_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[str | None] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(32))


class MortgageParty(Base):
    __tablename__ = "mortgage_parties"
    application_id: Mapped[str] = mapped_column(ForeignKey("mortgage_applications.application_id"),
                                                primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))  # mortgagor | co_owner
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))


class MortgageSignature(Base):
    """One party's signature: the PNG and the verification result (method, score, time) - never face data."""

    __tablename__ = "mortgage_signatures"
    application_id: Mapped[str] = mapped_column(ForeignKey("mortgage_applications.application_id"),
                                                primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    signature_png: Mapped[bytes] = mapped_column(LargeBinary)
    signature_sha256: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None]
    verified_at: Mapped[dt.datetime]
    signed_at: Mapped[dt.datetime]


def add_staff(db: Session, kiosk_id: str, staff_id: str, name: str, pin: str) -> None:
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise ValueError("a staff PIN is 6-12 digits")
    staff = db.get(BankStaff, staff_id)
    if staff is None:
        db.add(BankStaff(staff_id=staff_id, kiosk_id=kiosk_id, name=name, pin_hash=hash_password(pin)))
    else:
        staff.kiosk_id, staff.name, staff.pin_hash, staff.failed_pins = kiosk_id, name, hash_password(pin), 0


# Demo data: staff of the demo bank and applications prepared for demo persons (docs/demo-persons.md).
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


def _demo_signature_png() -> bytes:
    """A small PNG: a dark diagonal stroke on white, standing in for a signature drawn on the pad."""
    import struct
    import zlib

    width, height = 64, 16
    rows = b"".join(b"\x00" + bytes(0 if abs(x - 4 * y) < 3 else 255 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _seed_recorded(db: Session, kiosk_id: str, office: str) -> None:
    from gateway.adapters.bank import SimulatedBank
    from gateway.bank_recording import record_mortgage
    from gateway.models import Person

    fields, parties = DEMO_RECORDED
    if db.get(MortgageApplication, fields["application_id"]) is not None \
            or any(db.get(Person, id_number) is None for _, id_number, _ in parties):
        return  # already there, or the demo persons are not (a bare test database)
    application = _add_application(db, kiosk_id, fields, parties)
    now = utcnow()
    png = _demo_signature_png()
    for seq in range(1, len(parties) + 1):
        db.add(MortgageSignature(application_id=application.application_id, seq=seq, signature_png=png,
                                 signature_sha256=png_digest(png), method="face", score=0.41, verified_at=now,
                                 signed_at=now))
    db.flush()
    submit_application(db, application, type("DemoAdapters", (), {"bank": SimulatedBank()})())
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


def parties_of(db: Session, application_id: str) -> list[MortgageParty]:
    return list(db.execute(select(MortgageParty).where(MortgageParty.application_id == application_id)
                           .order_by(MortgageParty.seq)).scalars())


def signed_seqs(db: Session, application_id: str) -> set[int]:
    return set(db.execute(select(MortgageSignature.seq)
                          .where(MortgageSignature.application_id == application_id)).scalars())


def submit_application(db: Session, application: MortgageApplication, adapters) -> None:
    """Every party signed: the registration centre receives the mortgage registration (5 working days by law)."""
    parties = parties_of(db, application.application_id)
    mortgagor = next(p for p in parties if p.role == "mortgagor")
    case_id = "MTG" + secrets.token_hex(5).upper()
    now = utcnow()
    # Received, and its registration fee assessed at once: the mortgagor pays it like any other fee.
    db.add(Case(case_id=case_id, id_number=mortgagor.id_number, kind="mortgage", title=TITLES["mortgage"],
                status="tax_assessed", received_on=today_in_china(),
                time_limit_working_days=TIME_LIMIT_WORKING_DAYS["mortgage"], extension_working_days=0,
                property_address=application.property_address, area_m2=application.area_m2, price_fen=0,
                first_home=True))
    db.flush()
    db.add(CaseStep(case_id=case_id, status="received", at=now))
    db.add(CaseStep(case_id=case_id, status="tax_assessed", at=now))
    reference = adapters.bank.submit_mortgage(case_id, application.kiosk_id)
    digests = {str(s.seq): s.signature_sha256 for s in db.execute(
        select(MortgageSignature).where(MortgageSignature.application_id == application.application_id)).scalars()}
    db.add(BankSubmission(submission_id="BS" + secrets.token_hex(8).upper(), kiosk_id=application.kiosk_id,
                          case_id=case_id, submitted_at=now, signed=True,
                          detail={"reference": reference, "application_id": application.application_id,
                                  "signature_sha256": digests}))
    application.status, application.case_id, application.reference, application.closed_at = \
        "submitted", case_id, reference, now


def png_digest(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()
