"""The gateway's tables (SQLAlchemy 2 declarative); the Alembic migrations in gateway/migrations create them."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String,
                        TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

logger = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and always hands back an aware UTC datetime, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime(), dict: JSON, list: JSON}


class Kiosk(Base):
    __tablename__ = "kiosks"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_kind: Mapped[str] = mapped_column(String(16))
    # sha256 of the API key: keys are 256-bit random, so a plain hash is enough and lets us look a key up.
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_heartbeat_at: Mapped[dt.datetime | None]
    devices: Mapped[dict | None]
    stock: Mapped[dict | None]
    outbox_depth: Mapped[int | None]
    version: Mapped[str | None] = mapped_column(String(64))
    uptime_s: Mapped[float | None]
    heartbeat_extra: Mapped[dict | None]
    # The kiosk's own audit log head as its heartbeats report it, {"seq", "hash"}, never going backwards; a
    # "rollback" key once one was refused (gateway/routers/fleet.py).
    audit_head: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class RateWindow(Base):
    __tablename__ = "rate_windows"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Person(Base):
    __tablename__ = "persons"
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    card_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    portrait_file: Mapped[str | None] = mapped_column(String(120))


class Property(Base):
    __tablename__ = "properties"
    property_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(ForeignKey("persons.id_number"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    area_m2: Mapped[str] = mapped_column(String(16))
    usage: Mapped[str] = mapped_column(String(32))
    certificate_no: Mapped[str] = mapped_column(String(64))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    # The rest of the register entry (查档): 不动产单元号 (GB/T 37346, 28 characters), the owner's share (单独所有,
    # 共同共有, 按份共有 1/2...), the right and the land-use term.
    unit_no: Mapped[str | None] = mapped_column(String(28), unique=True)
    share: Mapped[str | None] = mapped_column(String(64))
    right_type: Mapped[str | None] = mapped_column(String(64))
    term_start: Mapped[dt.date | None] = mapped_column(Date)
    term_end: Mapped[dt.date | None] = mapped_column(Date)


class PropertyRestriction(Base):
    """A restriction registered on a property: a mortgage (抵押, with mortgagee and amount), a seizure (查封), an
    advance notice (预告) or an objection (异议). `holder` is the mortgagee, the court or the party named."""

    __tablename__ = "property_restrictions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[str] = mapped_column(ForeignKey("properties.property_id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(120))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(64))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    in_force: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(Base):
    __tablename__ = "cases"
    case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(ForeignKey("persons.id_number"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[dt.date] = mapped_column(Date)
    time_limit_working_days: Mapped[int] = mapped_column(Integer)
    extension_working_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(String(200))
    rejection_reason: Mapped[str | None] = mapped_column(String(200))
    property_address: Mapped[str] = mapped_column(String(200))
    area_m2: Mapped[str] = mapped_column(String(16))
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    first_home: Mapped[bool] = mapped_column(Boolean, default=True)
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    # The serial printed on the blank certificate stock, written back after a kiosk printed it.
    certificate_serial: Mapped[str | None] = mapped_column(String(32))


class CaseStep(Base):
    __tablename__ = "case_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]


class ApplicantToken(Base):
    __tablename__ = "applicant_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"))
    id_number: Mapped[str] = mapped_column(String(18))
    method: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None]
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class IdempotencyRecord(Base):
    """The stored answer to a state-changing call, so a retried call with the same key gets the same answer."""

    __tablename__ = "idempotency_records"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PaymentOrder(Base):
    __tablename__ = "payment_orders"
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    paid_at: Mapped[dt.datetime | None]
    # sha256 of the secret in the pay URL: the URL is a capability and is not guessable from the order id.
    pay_secret_hash: Mapped[str] = mapped_column(String(64))
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    # Migration 0930 (real payment): the channel (wechat | alipay | unified), the 20-digit payment code (缴款码) of
    # the non-tax collection platform, the provider's transaction number and what it says was paid, and when the
    # gateway last asked the provider about the order (order query, for a lost notification).
    channel: Mapped[str | None] = mapped_column(String(16))
    payment_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    paid_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    queried_at: Mapped[dt.datetime | None]
    # True once the provider was asked after expiry (the last word on an order whose notification never came).
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Migration 0945 (aggregated code): the channel the money actually came through (wechat | alipay | unified);
    # for an aggregated order (channel "aggregated") the app that opened the code and paid.
    paid_channel: Mapped[str | None] = mapped_column(String(16))


class PaymentRefund(Base):
    """Money given back through the provider's refund API: paid to a superseded, cancelled or expired order, a second
    payment for a case, or an amount that does not match the order. Staff see each one on the dashboard."""

    __tablename__ = "payment_refunds"
    refund_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("payment_orders.order_id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # done | processing | failed
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    provider_refund_ref: Mapped[str | None] = mapped_column(String(96))
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class PaymentNotificationSeen(Base):
    """Each provider notification id the gateway has taken, so a replayed or repeated one changes nothing."""

    __tablename__ = "payment_notifications_seen"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    notification_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime]


class PaymentReconciliation(Base):
    """One day's comparison of a provider's statement with the gateway's orders (the daily job runs it once)."""

    __tablename__ = "payment_reconciliations"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ran_at: Mapped[dt.datetime]
    lines: Mapped[int] = mapped_column(Integer)
    differences: Mapped[int] = mapped_column(Integer)


class Proof(Base):
    __tablename__ = "proofs"
    proof_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str] = mapped_column(String(18))
    holder_name: Mapped[str] = mapped_column(String(64))
    office: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[dt.datetime]
    kiosk_id: Mapped[str] = mapped_column(String(64))
    properties: Mapped[list]
    # Why the applicant asked (gateway.register_entry.PURPOSES), printed on the proof.
    purpose: Mapped[str | None] = mapped_column(String(32))


class KioskEvent(Base):
    __tablename__ = "kiosk_events"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key", name="uq_kiosk_events_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    body_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    payload: Mapped[dict]


class KioskCommand(Base):
    __tablename__ = "kiosk_commands"
    command_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"))
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[dict]
    created_at: Mapped[dt.datetime]
    delivered_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    result: Mapped[dict | None]
    __table_args__ = (Index("ix_kiosk_commands_pending", "kiosk_id", "delivered_at"),)


class AuditEntry(Base):
    """Who did what, when; the detail never holds personal data (ID numbers are masked before they get here)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict | None]
    # The hash chain (gateway/audit_chain.py): place in the chain, the previous entry's hash, this entry's hash.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row: the newest audit entry's place and hash; appends update it first, so they take turns."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (seq, hash, state) with the gateway's audit key: a truncated tail cannot be hidden by rewriting the head
    # without the key (gateway/audit_chain.py).
    seal: Mapped[str | None] = mapped_column(String(160))


class SigningKey(Base):
    __tablename__ = "signing_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_key_b64: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LockerDeposit(Base):
    __tablename__ = "locker_deposits"
    deposit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    locker_id: Mapped[str] = mapped_column(String(64))
    compartment: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    deposited_at: Mapped[dt.datetime]
    collected_at: Mapped[dt.datetime | None]
    # "<locker>/<compartment>" while the compartment holds this deposit, NULL after: unique, so two deposits can
    # never claim one compartment (a portable stand-in for a partial unique index).
    occupied_slot: Mapped[str | None] = mapped_column(String(96), unique=True)


class PickupCode(Base):
    __tablename__ = "pickup_codes"
    code_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    deposit_id: Mapped[str] = mapped_column(ForeignKey("locker_deposits.deposit_id"))
    key_id: Mapped[str] = mapped_column(String(32))
    digits_sha256: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class PickupAgent(Base):
    """A person the applicant registered to collect a case's certificate for them (its code names them too)."""

    __tablename__ = "pickup_agents"
    __table_args__ = (UniqueConstraint("case_id", "id_number", name="uq_pickup_agents_case_person"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    id_number: Mapped[str] = mapped_column(String(32))
    registered_at: Mapped[dt.datetime]


class SmsMessage(Base):
    """What the simulated SMS gateway 'sent'; a real adapter would hand these to the carrier instead."""

    __tablename__ = "sms_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict]
    sent_at: Mapped[dt.datetime]


class BankSubmission(Base):
    __tablename__ = "bank_submissions"
    submission_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    submitted_at: Mapped[dt.datetime]
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict | None]



class ECertificateLink(Base):
    """A short-lived download link for one case's e-certificate and contract, shown as a QR code on the kiosk.

    Only the sha256 of the link's random token is stored: the database alone cannot rebuild a working link."""

    __tablename__ = "e_certificate_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    downloads: Mapped[int] = mapped_column(Integer, default=0)


class ClusterLease(Base):
    """A named lease shared by every gateway process (gateway/cluster.py): who holds it until when, and for a
    background job when it last completed and when it is next due."""

    __tablename__ = "cluster_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    token: Mapped[int] = mapped_column(BigInteger, default=0)
    taken_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    next_due_at: Mapped[dt.datetime | None]
    last_done_at: Mapped[dt.datetime | None]
    last_done_by: Mapped[str | None] = mapped_column(String(128))


class DropoffCode(Base):
    """A one-time code staff issue so an applicant can drop a document into a locker for them (issue 22)."""

    __tablename__ = "dropoff_codes"
    code_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The first digits of the code the applicant types: the public half, unique among codes not yet used.
    lookup: Mapped[str | None] = mapped_column(String(8), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(160))  # secrethash of the secret half
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    locker_id: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None]
    compartment: Mapped[str | None] = mapped_column(String(16))
    # "<locker>/<compartment>" while the compartment holds the document, NULL after (unique, like deposits)
    occupied_slot: Mapped[str | None] = mapped_column(String(96), unique=True)
    collected_at: Mapped[dt.datetime | None]
    collected_by: Mapped[str | None] = mapped_column(String(64))
