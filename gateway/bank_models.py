"""ORM models of mortgage signing at bank service points: staff, staff tokens, applications, parties, signatures."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.models import Base

logger = logging.getLogger(__name__)


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


def parties_of(db: Session, application_id: str) -> list[MortgageParty]:
    return list(db.execute(select(MortgageParty).where(MortgageParty.application_id == application_id)
                           .order_by(MortgageParty.seq)).scalars())


def signed_seqs(db: Session, application_id: str) -> set[int]:
    return set(db.execute(select(MortgageSignature.seq)
                          .where(MortgageSignature.application_id == application_id)).scalars())
