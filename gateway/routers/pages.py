"""Public pages: the payment page a phone opens from the QR code, the provider's notification, e-invoices and the
proof verification page. No kiosk authentication here: the pay URL carries its own secret, proofs their code."""
from __future__ import annotations

import hmac
import logging
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Form, Header, Path, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from gateway.adapters.payment import NotificationRejected
from gateway.deps import AdaptersDep, Db, Settings, count_in_window, sha256_hex
from gateway.errors import ApiError
from gateway.identity import mask_address, mask_id_number, mask_name
from gateway.models import Case, PaymentOrder, Person, Proof, utcnow
from gateway.payments import NotificationMismatch, apply_notification, refresh_expiry
from gateway.routers import errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["public pages"])
templates = Jinja2Templates(directory=str(FsPath(__file__).resolve().parent.parent / "templates"))

OrderId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
PaySecret = Annotated[str, Query(alias="t", min_length=1, max_length=64)]


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


templates.env.filters["yuan"] = yuan


def _order_for_page(db, order_id: str, secret: str) -> PaymentOrder:
    order = db.get(PaymentOrder, order_id)
    if order is None or not hmac.compare_digest(order.pay_secret_hash, sha256_hex(secret)):
        raise ApiError(404, "order_not_found", "This payment link is not valid.")
    return order


def _html_error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "message.html", {"title": title, "message": message},
                                      status_code=status)


@router.get("/pay/{order_id}", response_class=HTMLResponse, responses={404: {"description": "Unknown link"}},
            summary="Payment page (simulated unified-collection platform)")
def pay_page(request: Request, order_id: OrderId, t: PaySecret, db: Db):
    try:
        order = _order_for_page(db, order_id, t)
    except ApiError:
        return _html_error(request, 404, "链接无效", "此支付链接无效或已失效。")
    if refresh_expiry(order):
        db.commit()
    return templates.TemplateResponse(request, "pay.html", {"order": order, "secret": t})


@router.post("/pay/{order_id}", response_class=HTMLResponse, responses={404: {"description": "Unknown link"}},
             summary="Pay or cancel on the payment page")
def pay_submit(request: Request, order_id: OrderId, t: Annotated[str, Form(min_length=1, max_length=64)],
               action: Annotated[str, Form(pattern="^(pay|cancel)$")], db: Db, adapters: AdaptersDep):
    try:
        order = _order_for_page(db, order_id, t)
    except ApiError:
        return _html_error(request, 404, "链接无效", "此支付链接无效或已失效。")
    provider = adapters.payment
    # The simulated provider takes the payment, then notifies the gateway exactly as a real one would: signed.
    body, signature = provider.notification(order.order_id, order.provider_ref,
                                            "paid" if action == "pay" else "cancelled")
    apply_notification(db, provider.parse_notification(body, signature))
    db.commit()
    return templates.TemplateResponse(request, "pay.html", {"order": order, "secret": t})


@router.post("/notifications/payments", responses=errors(400, 404, 422),
             summary="Payment provider's signed notification (body signed with HMAC-SHA256 in X-Signature)")
async def payment_notification(request: Request, db: Db, adapters: AdaptersDep,
                               x_signature: Annotated[str, Header(min_length=1, max_length=128)]) -> dict:
    body = await request.body()
    try:
        notification = adapters.payment.parse_notification(body, x_signature)
        order = apply_notification(db, notification)
    except NotificationRejected as exc:
        raise ApiError(400, "notification_rejected", f"Notification refused: {exc}.")
    except NotificationMismatch:
        raise ApiError(404, "order_not_found", "The notification names no known order.")
    db.commit()
    return {"order_id": order.order_id, "status": order.status}


@router.get("/invoices/{order_id}", response_class=HTMLResponse, responses={404: {"description": "Unknown invoice"}},
            summary="Electronic invoice of a paid order")
def invoice_page(request: Request, order_id: OrderId, db: Db):
    order = db.get(PaymentOrder, order_id)
    if order is None or order.status != "paid":
        return _html_error(request, 404, "未找到", "没有这张电子票据。")
    case = db.get(Case, order.case_id)
    person = db.get(Person, case.id_number) if case else None
    return templates.TemplateResponse(request, "invoice.html", {
        "order": order, "payer": mask_name(person.name) if person else ""})


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
