"""The certificate tables: each printed copy of a case's certificate, the site's blank stock by serial, and the
collection evidence (signature, optional face image) kept encrypted until its retention date."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base

logger = logging.getLogger(__name__)


class CertificateCopy(Base):
    """One certificate of a case (one per co-owner or per unit): its receive method and what became of it."""

    __tablename__ = "certificate_copies"
    copy_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    certificate_no: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(64))
    share: Mapped[str] = mapped_column(String(64), default="单独所有")
    # ready -> printed -> collected; or ready -> (courier) dispatched -> collected / returned -> ready
    status: Mapped[str] = mapped_column(String(16), default="ready")
    receive_method: Mapped[str | None] = mapped_column(String(16))  # window, self_print, locker, courier, e_certificate
    serial: Mapped[str | None] = mapped_column(String(32), unique=True)
    printed_at: Mapped[dt.datetime | None]
    collected_at: Mapped[dt.datetime | None]


class CertificateBlank(Base):
    """A blank of the pre-printed stock issued to a kiosk: issued, then printed (with its copy) or voided."""

    __tablename__ = "certificate_blanks"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="issued")
    copy_id: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime]


class CollectionEvidence(Base):
    """Proof that a copy was handed over: the signature PNG and, where the site's policy says so, a face image; both
    sealed (gateway.secrets_at_rest) and deleted once delete_after has passed."""

    __tablename__ = "collection_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    copy_id: Mapped[str] = mapped_column(ForeignKey("certificate_copies.copy_id"), index=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    face_image: Mapped[bytes | None] = mapped_column(LargeBinary)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    collected_at: Mapped[dt.datetime]
    delete_after: Mapped[dt.datetime] = mapped_column(index=True)


class CertificateShipment(Base):
    """A certificate sent by courier (EMS): the waybill, the tracking steps seen so far, the address sealed."""

    __tablename__ = "certificate_shipments"
    waybill_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    copy_id: Mapped[str] = mapped_column(ForeignKey("certificate_copies.copy_id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # created, picked_up, in_transit, delivered, returned
    events: Mapped[list] = mapped_column(default=list)  # [{"status", "at", "place"}] as the courier reported
    address_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]


class LockerRecall(Base):
    """A locker deposit left past the site's limit: when its holder was reminded, and when staff took it back."""

    __tablename__ = "locker_recalls"
    deposit_id: Mapped[str] = mapped_column(ForeignKey("locker_deposits.deposit_id"), primary_key=True)
    reminded_at: Mapped[dt.datetime]
    recalled_at: Mapped[dt.datetime | None]
    staff_id: Mapped[str | None] = mapped_column(String(32))
