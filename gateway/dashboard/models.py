"""The dashboard's tables: staff users, their sessions, fleet alerts and the cookie-signing secret."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base, utcnow

logger = logging.getLogger(__name__)

ROLES = ("viewer", "operator", "admin")  # admin: an operator who may also disable and re-key kiosks


class StaffUser(Base):
    __tablename__ = "staff_users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>" (secrethash).
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """A signed-in browser; the cookie carries the token, the table only its sha256 (a stolen backup logs nobody in)."""

    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_users.username"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class FleetAlert(Base):
    """One occurrence of a condition (a kiosk silent, a device failed, paper low, a door open), raised and cleared
    by gateway.dashboard.alerts; staff acknowledge it."""

    __tablename__ = "fleet_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    raised_at: Mapped[dt.datetime]
    cleared_at: Mapped[dt.datetime | None]
    acked_at: Mapped[dt.datetime | None]
    acked_by: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("ix_fleet_alerts_open", "cleared_at", "kiosk_id"),
                      # At most one open alert per condition, whichever gateway process raised it (migration 0400).
                      Index("ux_fleet_alerts_one_open", "kiosk_id", "kind", "subject", unique=True,
                            sqlite_where=text("cleared_at IS NULL"), postgresql_where=text("cleared_at IS NULL")))


class DashboardSecret(Base):
    """Server secrets shared by every gateway process (the cookie-signing key), created on first use."""

    __tablename__ = "dashboard_secrets"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
