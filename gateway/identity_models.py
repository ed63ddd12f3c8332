"""The identity tables: reference encodings (encrypted), verification attempts, per-kiosk policy and holds."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base

logger = logging.getLogger(__name__)


class ReferenceEncoding(Base):
    """The registry portrait's face encoding, computed once and kept only encrypted (gateway.reference_store)."""

    __tablename__ = "reference_encodings"
    # Keyed by an HMAC of the ID number, so the table alone does not say whose encoding a row is.
    subject_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # nonce + AES-GCM ciphertext of 128 float32
    computed_at: Mapped[dt.datetime]


class IdentityAttempt(Base):
    """One decision on a kiosk's evidence: what the caps count. Never the encoding, never the ID number in clear."""

    __tablename__ = "identity_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"))
    at: Mapped[dt.datetime]
    subject_key: Mapped[str] = mapped_column(String(64))
    matched: Mapped[bool] = mapped_column(Boolean)
    # HMAC of the live encodings' bytes: the same evidence sent twice is a replay, refused.
    evidence_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    __table_args__ = (Index("ix_identity_attempts_kiosk_at", "kiosk_id", "at"),)


class IdentityPolicy(Base):
    """Which verification methods a kiosk may use, and its caps; a kiosk with no row gets the default policy."""

    __tablename__ = "identity_policies"
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"), primary_key=True)
    methods: Mapped[list] = mapped_column(JSON)               # e.g. ["face"] or ["face", "card_only"]
    card_only_services: Mapped[list] = mapped_column(JSON)    # the services card_only may open, if any
    max_ids_per_hour: Mapped[int | None] = mapped_column(Integer)
    max_failures_per_hour: Mapped[int | None] = mapped_column(Integer)
    staff_assisted_services: Mapped[list | None] = mapped_column(JSON)  # what a staff-assisted token opens (0960)


class IdentityHold(Base):
    """A kiosk over an identity cap: refused until a staff member clears it (dashboard)."""

    __tablename__ = "identity_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"), index=True)
    cap: Mapped[str] = mapped_column(String(32))  # distinct_ids or failed_matches
    raised_at: Mapped[dt.datetime]
    cleared_at: Mapped[dt.datetime | None]
    cleared_by: Mapped[str | None] = mapped_column(String(64))
