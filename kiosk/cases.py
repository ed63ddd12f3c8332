"""What the kiosk knows of an applicant's cases, fees and payment orders, as read from the gateway's JSON."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class CaseStep:
    status: str
    at: dt.datetime | None
    done: bool

    @classmethod
    def from_json(cls, data: dict) -> "CaseStep":
        return cls(status=str(data["status"]), at=_datetime(data.get("at")), done=bool(data.get("done")))


@dataclass(frozen=True)
class Restriction:
    """A restriction in force on the case's property: mortgage, seizure, advance_notice or objection."""

    kind: str
    holder: str
    amount_fen: int | None = None
    ends_on: dt.date | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Restriction":
        amount = data.get("amount_fen")
        return cls(kind=str(data["kind"]), holder=str(data.get("holder") or ""),
                   amount_fen=int(amount) if amount is not None else None, ends_on=_date(data.get("ends_on")))


@dataclass(frozen=True)
class Shipment:
    """A courier parcel of a certificate: the waybill as the gateway masks it, its status and tracking steps."""

    waybill: str
    status: str
    steps: tuple[CaseStep, ...] = ()

    @classmethod
    def from_json(cls, data: dict) -> "Shipment":
        steps = tuple(CaseStep(status=str(s.get("status") or ""), at=_datetime(s.get("at")), done=True)
                      for s in data.get("steps") or ())
        return cls(waybill=str(data.get("waybill") or ""), status=str(data.get("status") or ""), steps=steps)


@dataclass(frozen=True)
class CertificateCopy:
    """One certificate of a case: how it is received (window, self_print, locker, courier, e_certificate, None)."""

    copy_id: str
    status: str
    receive_method: str | None = None
    shipments: tuple[Shipment, ...] = ()

    @classmethod
    def from_json(cls, data: dict) -> "CertificateCopy":
        return cls(copy_id=str(data["copy_id"]), status=str(data.get("status") or ""),
                   receive_method=data.get("receive_method"),
                   shipments=tuple(Shipment.from_json(s) for s in data.get("shipments") or ()))


@dataclass(frozen=True)
class Case:
    case_id: str
    kind: str
    title: str
    status: str
    received_on: dt.date
    deadline: dt.date | None
    working_days_left: int | None
    extension_reason: str | None
    next_action: str | None
    timeline: tuple[CaseStep, ...]
    # The gateway counted part of the deadline without official holiday data (a year not yet published).
    deadline_estimated: bool = False
    rejection_reason: str | None = None
    restrictions: tuple[Restriction, ...] = ()
    certificates: tuple[CertificateCopy, ...] = ()

    @classmethod
    def from_json(cls, data: dict) -> "Case":
        """Builds a Case from the gateway's JSON; unknown keys are ignored, missing required ones raise KeyError."""
        left = data.get("working_days_left")
        return cls(case_id=str(data["case_id"]), kind=str(data["kind"]), title=str(data["title"]),
                   status=str(data["status"]), received_on=dt.date.fromisoformat(data["received_on"]),
                   deadline=_date(data.get("deadline")), working_days_left=int(left) if left is not None else None,
                   extension_reason=data.get("extension_reason"), next_action=data.get("next_action"),
                   timeline=tuple(CaseStep.from_json(step) for step in data.get("timeline") or ()),
                   deadline_estimated=bool(data.get("deadline_estimated", False)),
                   rejection_reason=data.get("rejection_reason"),
                   restrictions=tuple(Restriction.from_json(r) for r in data.get("restrictions") or ()),
                   certificates=tuple(CertificateCopy.from_json(c) for c in data.get("certificates") or ()))


@dataclass(frozen=True)
class Fee:
    code: str
    name: str
    amount_fen: int
    department: str = ""  # the collecting department the platform passes the item on to

    @classmethod
    def from_json(cls, data: dict) -> "Fee":
        return cls(code=str(data["code"]), name=str(data["name"]), amount_fen=int(data["amount_fen"]),
                   department=str(data.get("department") or ""))


@dataclass(frozen=True)
class FeeSchedule:
    items: tuple[Fee, ...]
    total_fen: int

    @classmethod
    def from_json(cls, data: dict) -> "FeeSchedule":
        return cls(items=tuple(Fee.from_json(item) for item in data.get("items") or ()),
                   total_fen=int(data["total_fen"]))


@dataclass(frozen=True)
class PaymentOrder:
    order_id: str
    status: str  # pending | paid | cancelled | expired
    pay_url: str | None
    amount_fen: int | None
    expires_at: dt.datetime | None
    e_invoice_url: str | None
    channel_name: str | None = None  # 微信支付 | 支付宝 | ...
    payment_code: str | None = None  # the 20-digit 缴款码
    transaction_masked: str | None = None  # the provider's transaction number, masked, once paid
    channel: str | None = None  # wechat | alipay | aggregated (one code for both) | unified

    @classmethod
    def from_json(cls, data: dict) -> "PaymentOrder":
        amount = data.get("amount_fen")
        return cls(order_id=str(data["order_id"]), status=str(data["status"]), pay_url=data.get("pay_url"),
                   amount_fen=int(amount) if amount is not None else None,
                   expires_at=_datetime(data.get("expires_at")), e_invoice_url=data.get("e_invoice_url"),
                   channel_name=data.get("channel_name"), payment_code=data.get("payment_code"),
                   transaction_masked=data.get("transaction_masked"), channel=data.get("channel"))
