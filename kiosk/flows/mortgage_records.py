"""The gateway's mortgage records as the bank flows show them (applications to sign, a mortgagor's registrations):
typed, made once from the JSON the gateway sends (names and ID numbers arrive masked), so the screens read fields,
never dict keys."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Party:
    """One party who signs: their place in the order, role and masked name and ID number."""

    seq: int
    role: str = "mortgagor"
    name_masked: str = ""
    id_number_masked: str = ""
    signed: bool = False

    @classmethod
    def of(cls, data: dict) -> "Party":
        return cls(int(data.get("seq") or 0), str(data.get("role") or "mortgagor"),
                   str(data.get("name_masked") or ""), str(data.get("id_number_masked") or ""),
                   bool(data.get("signed")))


@dataclass(frozen=True)
class Document:
    """A document of the application and its page count."""

    name: str
    pages: int = 0

    @classmethod
    def of(cls, data: dict) -> "Document":
        return cls(str(data.get("name") or ""), int(data.get("pages") or 0))


@dataclass(frozen=True)
class Application:
    """A prepared, submitted or declined application (GET /v1/bank/applications and /v1/bank/submissions); the
    registration's progress (case_status, deadline, working_days_left) once it is submitted."""

    application_id: str
    status: str = ""
    bank_name: str = ""
    property_address: str = ""
    certificate_no: str = ""
    area_m2: str = ""
    loan_amount_fen: int = 0
    term_months: int = 0
    parties: tuple[Party, ...] = ()
    documents: tuple[Document, ...] = ()
    decline_reason: str | None = None
    reference: str | None = None
    case_status: str | None = None
    deadline: str | None = None
    working_days_left: int | None = None

    @classmethod
    def of(cls, data: dict) -> "Application":
        days = data.get("working_days_left")
        return cls(
            str(data.get("application_id") or ""), str(data.get("status") or ""), str(data.get("bank_name") or ""),
            str(data.get("property_address") or ""), str(data.get("certificate_no") or ""),
            str(data.get("area_m2") or ""), int(data.get("loan_amount_fen") or 0), int(data.get("term_months") or 0),
            tuple(Party.of(p) for p in data.get("parties") or ()),
            tuple(Document.of(d) for d in data.get("documents") or ()),
            data.get("decline_reason"), data.get("reference"), data.get("case_status"),
            str(data["deadline"])[:10] if data.get("deadline") else None,
            int(days) if days is not None else None)


@dataclass(frozen=True)
class Mortgage:
    """One of the mortgagor's registrations (GET /v1/bank/my-mortgages): its progress, and whether its registration
    proof can be printed."""

    case_id: str
    status: str = ""
    property_address_masked: str = ""
    received_on: str = ""
    deadline: str | None = None
    working_days_left: int | None = None
    certificate_ready: bool = False

    @classmethod
    def of(cls, data: dict) -> "Mortgage":
        days = data.get("working_days_left")
        return cls(str(data.get("case_id") or ""), str(data.get("status") or ""),
                   str(data.get("property_address_masked") or ""), str(data.get("received_on") or "")[:10],
                   str(data["deadline"])[:10] if data.get("deadline") else None,
                   int(days) if days is not None else None, bool(data.get("certificate_ready")))
