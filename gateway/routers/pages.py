"""Public pages: e-invoices and the proof verification page (the demo's payment page is gateway.routers.demo_pay,
provider notifications gateway.routers.payment_notifications). No kiosk authentication here: proofs carry their code."""
from __future__ import annotations

import logging
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from gateway.adapters.payment import CHANNEL_NAMES
from gateway.deps import Db
from gateway.identity import mask_address, mask_id_number, mask_name
from gateway.models import Case, PaymentOrder, Person, Proof
from gateway.payments import mask_transaction

logger = logging.getLogger(__name__)

router = APIRouter(tags=["public pages"])
templates = Jinja2Templates(directory=str(FsPath(__file__).resolve().parent.parent / "templates"))

OrderId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


templates.env.filters["yuan"] = yuan


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
        "channel_name": CHANNEL_NAMES.get(order.channel or "", ""), "transaction": mask_transaction(order.transaction_id)})


@router.get("/verify/{code}", response_class=HTMLResponse, responses={404: {"description": "Unknown code"}},
            summary="Public verification of a printed proof")
def verify_page(request: Request, code: Annotated[str, Path(min_length=1, max_length=32)], db: Db):
    proof = db.execute(select(Proof).where(Proof.verification_code == code.upper())).scalar_one_or_none()
    if proof is None:
        return _html_error(request, 404, "查无此证明", "没有与此验证码对应的证明。请核对验证码，或联系出具机构。")
    properties = [{**p, "address": mask_address(p.get("address", ""))} for p in proof.properties]
    return templates.TemplateResponse(request, "verify.html", {
        "proof": proof, "holder": mask_name(proof.holder_name), "id_masked": mask_id_number(proof.id_number),
        "properties": properties})


NoticeCaseId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


@router.get("/cases/{case_id}", response_class=HTMLResponse,
            summary="What a phone shows for an acceptance notice's QR code (which is meant for the kiosk's scanner)")
def acceptance_notice_page(request: Request, case_id: NoticeCaseId):
    # The same words for every case number, real or not: a QR code copied from someone's notice tells nothing.
    return templates.TemplateResponse(request, "message.html", {
        "title": "受理通知书",
        "message": "此二维码供登记大厅的自助服务机扫描。请带上本人身份证，到自助服务机扫描通知书上的二维码，"
                   "即可查看办理进度。"})
