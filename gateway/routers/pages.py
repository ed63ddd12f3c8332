"""Public pages: e-invoices and the proof verification page (the demo's payment page is gateway.routers.demo_pay,
provider notifications gateway.routers.payment_notifications). No kiosk authentication here: proofs carry their code."""
from __future__ import annotations

import logging
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from catalog.beijing_time import beijing
from gateway.adapters.payment import CHANNEL_NAMES
from gateway.deps import Db, Settings, count_in_window
from gateway.errors import ApiError
from gateway.identity import mask_address, mask_id_number, mask_name
from gateway.models import Case, PaymentOrder, Person, Proof, utcnow
from gateway.payments import mask_transaction
from gateway.routers import errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["public pages"])
templates = Jinja2Templates(directory=str(FsPath(__file__).resolve().parent.parent / "templates"))

OrderId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


templates.env.filters["yuan"] = yuan
templates.env.filters["beijing"] = beijing  # every time a person reads: Beijing time


def _html_error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "message.html", {"title": title, "message": message},
                                      status_code=status)


@router.get("/invoices/{order_id}", response_class=HTMLResponse, responses={404: {"description": "Unknown invoice"}},
            summary="Electronic invoice of a paid order")
def invoice_page(request: Request, order_id: OrderId, db: Db):
    order = db.get(PaymentOrder, order_id)
    if order is None or order.status != "paid":
        return _html_error(request, 404, "未找到", "没有这张电子票据。")
    case = db.get(Case, order.case_id)
    person = db.get(Person, case.id_number) if case else None
    return templates.TemplateResponse(request, "invoice.html", {
        "order": order, "payer": mask_name(person.name) if person else "",
        "channel_name": CHANNEL_NAMES.get(order.paid_channel or order.channel or "", ""),
        "transaction": mask_transaction(order.transaction_id)})


MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What each verdict tells the person holding the file: a headline and what to do.
VERDICT_TEXT = {
    "valid": ("电子签章有效，文件自盖章后未被修改", ""),
    "valid_unknown": ("电子签章有效，但登记机构没有此文件对应的记录", "请联系出具机构核实。"),
    "altered": ("此文件在盖章后被修改过", "修改过的文件不能作为有效证明。请向出具机构重新获取。"),
    "foreign": ("此文件的电子签章不是本登记机构的签章", "签章证书不是本登记机构的签章根证书签发的，不能作为本机构出具的证明。"),
    "revoked": ("此文件所用的签章证书已被吊销", "该签章证书已列入证书吊销列表，不能作为有效证明。请联系出具机构。"),
    "unsigned": ("此文件没有电子签章", "只有带登记机构电子签章的电子文件可以在此核验；纸质证明请扫描二维码核验。"),
    "unreadable": ("无法读取此文件", "请上传登记机构出具的PDF文件。"),
}


def _verify_page(request: Request, check=None, status: int = 200) -> HTMLResponse:
    context = {"check": check}
    if check is not None:
        verdict = check.seal.verdict.value
        if verdict == "valid" and not check.found:
            verdict = "valid_unknown"
        headline, detail = VERDICT_TEXT[verdict]
        stamped = check.seal.timestamped_at
        context.update(verdict=verdict, headline=headline, detail=detail, signer=check.seal.signer or "",
                       stamped=stamped.strftime("%Y-%m-%d %H:%M:%S UTC") if stamped else "")
    return templates.TemplateResponse(request, "verify_document.html", context, status_code=status,
                                      headers={"Cache-Control": "no-store"})


@router.get("/verify", response_class=HTMLResponse, summary="Upload page: check a sealed PDF's electronic seal")
def verify_upload_page(request: Request):
    return _verify_page(request)


@router.post("/verify", response_class=HTMLResponse, responses={413: {"description": "File too large"},
                                                                 503: {"description": "No seal configured"}},
             summary="Check an uploaded PDF: its seal (altered, another certificate, revoked) and its registry record")
async def verify_upload(request: Request, document: Annotated[UploadFile, File()], db: Db):
    trust = request.app.state.seal_trust
    if trust is None:
        return _html_error(request, 503, "暂不能核验", "本服务未配置电子签章，暂不能核验电子文件。")
    data = await document.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _html_error(request, 413, "文件过大", "请上传不超过 10 MB 的PDF文件。")
    from gateway.sealed_documents import verify_document

    check = await run_in_threadpool(verify_document, db, data, trust)
    logger.info("uploaded document checked: %s", check.seal.verdict.value)
    return _verify_page(request, check)


@router.get("/seal/{name}", response_class=Response, responses={
    **errors(404), 200: {"description": "The CA certificate (PEM) or its CRL (DER)",
                         "content": {"application/x-pem-file": {}, "application/pkix-crl": {}}}},
            summary="The seal CA's certificate (ca.pem) and its certificate revocation list (ca.crl), for verifiers")
def seal_public_file(request: Request, name: Annotated[str, Path(pattern="^ca\\.(pem|crl)$")]) -> Response:
    trust = request.app.state.seal_trust
    path = trust.directory / name if trust is not None else None
    if path is None or not path.exists():
        raise ApiError(404, "not_published", "No seal CA is published here.")
    media = "application/pkix-crl" if name.endswith(".crl") else "application/x-pem-file"
    return Response(path.read_bytes(), media_type=media)


@router.get("/verify/e-certificates/{identifier}", response_class=HTMLResponse,
            responses={404: {"description": "Unknown"}, 422: {"description": "Not an identifier"}},
            summary="Look up an e-certificate by its identifier (1.2.156.3005.2...; the check character is checked)")
def verify_e_certificate_id(request: Request, identifier: Annotated[str, Path(min_length=1, max_length=120)],
                            db: Db):
    from gateway.national_formats import FormatRefused, parse_e_certificate_id
    from gateway.e_certificates import CERTIFICATE_STATUSES

    try:
        ident = parse_e_certificate_id(identifier)
    except FormatRefused as exc:
        return _html_error(request, 422, "证照标识有误", f"{exc}。")
    case = db.get(Case, ident.serial)
    if case is None or case.status not in CERTIFICATE_STATUSES or not case.certificate_no:
        return _html_error(request, 404, "查无此证照", "没有与此证照标识对应的电子证照。")
    return _html_error(request, 200, "电子证照有效", f"证照标识 {ident} 对应的电子证照（证号 {case.certificate_no}）由本机构颁发。")


@router.get("/verify/{code}", response_class=HTMLResponse,
            responses={404: {"description": "Unknown code"}, 429: {"description": "Too many look-ups from this client"}},
            summary="Public verification of a printed proof")
def verify_page(request: Request, code: Annotated[str, Path(min_length=1, max_length=32)], db: Db,
                settings: Settings):
    refusal = _count_verification(db, settings, request.client.host if request.client else "unknown")
    if refusal is not None:
        response = _html_error(request, 429, "请稍后再试", "查询过于频繁，请稍后再试。")
        response.headers["Retry-After"] = str(refusal)
        return response
    proof = db.execute(select(Proof).where(Proof.verification_code == code.upper())).scalar_one_or_none()
    if proof is None:
        return _html_error(request, 404, "查无此证明", "没有与此验证码对应的证明。请核对验证码，或联系出具机构。")
    properties = [{**p, "address": mask_address(p.get("address", ""))} for p in proof.properties]
    return templates.TemplateResponse(request, "verify.html", {
        "proof": proof, "holder": mask_name(proof.holder_name), "id_masked": mask_id_number(proof.id_number),
        "properties": properties})


def _count_verification(db, settings, address: str) -> int | None:
    """Counts one look-up for this client address in its one-minute window, in the database (every gateway process
    shares the count); the seconds to wait when over the limit, else None. Guessing codes is the attack."""
    limit = settings.verify_rate_limit_per_minute
    if limit <= 0:
        return None
    now = utcnow().timestamp()
    window = int(now // 60) * 60
    count = count_in_window(db, "verify:" + address[:50], window)
    db.commit()
    return None if count <= limit else max(1, int(window + 60 - now))


NoticeCaseId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


@router.get("/cases/{case_id}", response_class=HTMLResponse,
            summary="What a phone shows for an acceptance notice's QR code (which is meant for the kiosk's scanner)")
def acceptance_notice_page(request: Request, case_id: NoticeCaseId):
    # The same words for every case number, real or not: a QR code copied from someone's notice tells nothing.
    return templates.TemplateResponse(request, "message.html", {
        "title": "受理通知书",
        "message": "此二维码供登记大厅的自助服务机扫描。请带上本人身份证，到自助服务机扫描通知书上的二维码，"
                   "即可查看办理进度。"})
