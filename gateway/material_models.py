"""The table of resumable material uploads (一窗受理): how far each upload has come, and its content hash."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base, utcnow

logger = logging.getLogger(__name__)


class MaterialUpload(Base):
    """One material on its way from a kiosk: chunks land in the blob store in order; `received` bytes so far.

    No personal data here: the bytes are in the encrypted blob store, the row holds only sizes and the hash.
    """

    __tablename__ = "material_uploads"
    upload_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="receiving")  # receiving, complete
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("uq_material_uploads_kiosk_hash", "kiosk_id", "sha256", unique=True),)
