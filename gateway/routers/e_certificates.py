"""Electronic certificates: the kiosk asks for a short-lived download link (shown as a QR code), the applicant's phone
opens it and downloads the e-certificate and the contract as PDF.

The link is a capability: a random token (only its sha256 is stored), valid for one case and LINK_TTL_S seconds.
The phone has no credentials, so the public pages answer an unknown token with 404 and an expired one with 410, as a
plain page in Chinese; they never say whose link it was.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from sqlalchemy import delete, select, update

from gateway.casework import CHINA
from gateway.deps import Applicant, CurrentKiosk, Db, Settings, audit, sha256_hex
from gateway.e_certificates import (CERTIFICATE_STATUSES, CONTRACT_TITLES, CaseRecord, contract_pdf,
                                    e_certificate_pdf, has_contract)
from gateway.errors import ApiError
from gateway.identity import mask_name
from gateway.models import Case, CaseStep, ECertificateLink, Person, utcnow
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.cases import CaseId, applicant_case

logger = logging.getLogger(__name__)

router = APIRouter(tags=["e-certificates"])
templates = Jinja2Templates(directory=str(FsPath(__file__).resolve().parent.parent / "templates"))

LINK_TTL_S = 15 * 60
TOKEN_BYTES = 24  # 192 random bits; a short URL keeps the QR code coarse enough to scan from arm's length
# Public pages carry the capability in their URL: not cached, not indexed, not leaked to another site by Referer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
LinkToken = Annotated[str, Path(min_length=1, max_length=64, description="The token from the download link")]
HTML_PAGE = {"text/html": {"schema": {"type": "string"}}}
PUBLIC_ERRORS = {404: {"description": "Unknown link (a page in Chinese)", "content": HTML_PAGE},
                 410: {"description": "Expired link, or the certificate is no longer available (a page in Chinese)",
                       "content": HTML_PAGE}}


class ECertificateLinkOut(BaseModel):
    case_id: str
    url: str
    expires_at: dt.datetime
    expires_in_s: int
    documents: list[str]


@router.post("/v1/cases/{case_id}/e-certificate-links", status_code=201, response_model=ECertificateLinkOut,
             responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="A short-lived link for the applicant's phone to download the e-certificate and the contract")
def create_link(case_id: CaseId, token: Applicant, kiosk: CurrentKiosk, db: Db, settings: Settings) -> dict:
    # No idempotency key: like an applicant token, each call mints a new link; a lost answer leaves an unused link
    # that expires on its own, and the kiosk simply asks again.
    case = applicant_case(db, token, case_id)
    if case.status not in CERTIFICATE_STATUSES or not case.certificate_no:
        raise ApiError(409, "certificate_not_issued", "This case has no certificate yet.")
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    expires = now + dt.timedelta(seconds=LINK_TTL_S)
    db.add(ECertificateLink(token_hash=sha256_hex(raw), case_id=case.case_id, kiosk_id=kiosk.kiosk_id,
                            created_at=now, expires_at=expires, downloads=0))
    audit(db, kiosk.kiosk_id, "e_certificate_link_issued", case.case_id, {"ttl_s": LINK_TTL_S})
    # Expired links open nothing: purge them as new ones are made.
    db.execute(delete(ECertificateLink).where(ECertificateLink.expires_at < now - dt.timedelta(days=1)))
    db.commit()
    documents = ["e_certificate"] + (["contract"] if has_contract(case.kind) else [])
    return {"case_id": case.case_id, "url": f"{settings.public_base_url.rstrip('/')}/e-certificates/{raw}",
            "expires_at": expires, "expires_in_s": LINK_TTL_S, "documents": documents}


class LinkGone(Exception):
    """The link cannot be used: `status` 404 (unknown) or 410 (expired or no longer valid)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def _usable_link(db, raw: str) -> tuple[ECertificateLink, Case]:
    link = db.get(ECertificateLink, sha256_hex(raw))
    if link is None:
        raise LinkGone(404)
    case = db.get(Case, link.case_id)
    if link.expires_at <= utcnow() or case is None or case.status not in CERTIFICATE_STATUSES \
            or not case.certificate_no:
        raise LinkGone(410)
    return link, case


def _gone_page(request: Request, status: int) -> HTMLResponse:
    if status == 410:
        title, message = "链接已失效", "此下载链接已过期。请回到自助终端重新扫码获取新的下载链接。"
    else:
        title, message = "链接无效", "没有找到此下载链接。请核对链接，或回到自助终端重新扫码。"
    return templates.TemplateResponse(request, "message.html", {"title": title, "message": message},
                                      status_code=status, headers=PRIVATE_HEADERS)


def _record(db, case: Case, office: str) -> CaseRecord:
    person = db.get(Person, case.id_number)
    recorded = db.execute(select(CaseStep.at).where(CaseStep.case_id == case.case_id,
                                                    CaseStep.status == "recorded")).scalars().first()
    return CaseRecord(case_id=case.case_id, kind=case.kind, title=case.title, certificate_no=case.certificate_no,
                      holder_name=person.name if person else "", id_number=case.id_number,
                      property_address=case.property_address, area_m2=case.area_m2, price_fen=case.price_fen or 0,
                      received_on=case.received_on,
                      registered_on=recorded.astimezone(CHINA).date() if recorded else case.received_on,
                      office=office)


@router.get("/e-certificates/{link_token}", response_class=HTMLResponse, responses=PUBLIC_ERRORS,
            summary="Download page the phone opens from the kiosk's QR code (no authentication: the link is the key)")
def link_page(request: Request, link_token: LinkToken, db: Db, settings: Settings):
    try:
        link, case = _usable_link(db, link_token)
    except LinkGone as gone:
        return _gone_page(request, gone.status)
    person = db.get(Person, case.id_number)
    base = f"{settings.public_base_url.rstrip('/')}/e-certificates/{link_token}"
    return templates.TemplateResponse(request, "e_certificate.html", {
        "case": case, "holder": mask_name(person.name) if person else "", "base": base,
        "certificate_title": "不动产登记证明（电子证照）" if case.kind == "mortgage" else "不动产权证书（电子证照）",
        "contract": has_contract(case.kind), "contract_title": CONTRACT_TITLES.get(case.kind, ""),
        "expires_at": link.expires_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")}, headers=PRIVATE_HEADERS)


PDF_RESPONSES = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                       "description": "The document as PDF"}, **PUBLIC_ERRORS}


def _pdf(request: Request, db, raw: str, document: str, office: str) -> Response:
    try:
        link, case = _usable_link(db, raw)
    except LinkGone as gone:
        return _gone_page(request, gone.status)
    if document == "contract" and not has_contract(case.kind):
        return _gone_page(request, 404)
    record = _record(db, case, office)
    if document == "contract":
        content = contract_pdf(record)
    else:
        from gateway.sealed_documents import e_certificate_id, sealed_e_certificate

        content = e_certificate_pdf(record, identifier=e_certificate_id(case))
        seal = getattr(request.app.state, "seal", None)
        if seal is not None:  # every gateway started with a seal (production must) issues it sealed
            content = sealed_e_certificate(seal, content)
    db.execute(update(ECertificateLink).where(ECertificateLink.token_hash == link.token_hash)
               .values(downloads=ECertificateLink.downloads + 1))
    audit(db, "e_certificate_link", "e_certificate_downloaded", case.case_id, {"document": document})
    db.commit()
    filename = f"{document.replace('_', '-')}-{case.case_id}.pdf"
    return Response(content=content, media_type="application/pdf",
                    headers={**PRIVATE_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/e-certificates/{link_token}/e-certificate.pdf", response_class=Response, responses=PDF_RESPONSES,
            summary="The e-certificate of the link's case, as PDF")
def e_certificate_download(request: Request, link_token: LinkToken, db: Db, settings: Settings) -> Response:
    return _pdf(request, db, link_token, "e_certificate", settings.office_name)


@router.get("/e-certificates/{link_token}/contract.pdf", response_class=Response, responses=PDF_RESPONSES,
            summary="The filed contract of the link's case, as PDF")
def contract_download(request: Request, link_token: LinkToken, db: Db, settings: Settings) -> Response:
    return _pdf(request, db, link_token, "contract", settings.office_name)


@router.get("/e-certificates/{anything:path}", response_class=HTMLResponse, include_in_schema=False)
def mangled_link(request: Request, anything: str):
    """A link cut short or pasted with extra parts: the same plain page as an unknown one, not the API's JSON."""
    return _gone_page(request, 404)
