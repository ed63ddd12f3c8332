"""The tables of submitted one-window applications (一窗受理): the application and each department's push."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base, utcnow

logger = logging.getLogger(__name__)

REVIEW_STATUSES = ("submitted", "needs_correction", "accepted")


class Application(Base):
    """One application submitted at a kiosk; its case (same number) carries the person, the dates and the status.

    Personal data is sealed (gateway.secrets_at_rest): the form's values and the staff's correction note. The
    materials are listed by content hash only; their bytes are in the encrypted blob store.
    """

    __tablename__ = "applications"
    application_no: Mapped[str] = mapped_column(String(32), primary_key=True)  # also the case_id of its case
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), unique=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"), index=True)
    business_code: Mapped[str] = mapped_column(String(48))
    form_sealed: Mapped[str] = mapped_column(Text)
    # [{"code", "sha256", "pages", "round"}] captured or uploaded; fetched materials are the catalogue's.
    materials: Mapped[list]
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    review_round: Mapped[int] = mapped_column(Integer, default=1)
    # The last return for correction: which materials (catalogue codes) and a sealed note naming what is wrong.
    correction_materials: Mapped[list | None]
    correction_note_sealed: Mapped[str | None] = mapped_column(Text)
    correction_requested_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(64))


class DepartmentPush(Base):
    """The application handed to one department (并联审核): registration, housing or tax, with its outcome.

    One row per application and department (the primary key): a push is never doubled. `status` pending -> sending
    (claimed by one gateway process) -> accepted, or failed (retried later with the same application number, which
    the department's intake uses as its idempotency key)."""

    __tablename__ = "application_pushes"
    application_no: Mapped[str] = mapped_column(ForeignKey("applications.application_no"), primary_key=True)
    department: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(160))
    claimed_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
