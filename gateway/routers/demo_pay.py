"""The demo's payment page (the simulated unified-collection platform a phone opens from the QR code) and its HMAC
notification. Mounted only in demo mode with the simulated provider: a production gateway has no such page."""
from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Form, Header, Path, Query, Request
from fastapi.responses import HTMLResponse

from gateway.adapters.payment import NotificationRejected
from gateway.deps import AdaptersDep, Db, sha256_hex
from gateway.errors import ApiError
from gateway.models import PaymentOrder
from gateway.payments import NotificationMismatch, apply_notification, refresh_expiry
from gateway.routers import errors
from gateway.routers.pages import _html_error, templates
from gateway.routers.payment_notifications import record_rejection

logger = logging.getLogger(__name__)

router = APIRouter(tags=["demo payment"])

OrderId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
PaySecret = Annotated[str, Query(alias="t", min_length=1, max_length=64)]


def _order_for_page(db, order_id: str, secret: str) -> PaymentOrder:
    order = db.get(PaymentOrder, order_id)
    if order is None or not hmac.compare_digest(order.pay_secret_hash, sha256_hex(secret)):
        raise ApiError(404, "order_not_found", "This payment link is not valid.")
    return order


def _simulated(adapters):
    provider = adapters.channels().get("unified")
    if provider is None or not getattr(provider, "simulated", False):
        raise ApiError(404, "not_found", "Not found.")
    return provider


@router.get("/pay/{order_id}", response_class=HTMLResponse, responses={404: {"description": "Unknown link"}},
            summary="Payment page (simulated unified-collection platform, demo only)")
def pay_page(request: Request, order_id: OrderId, t: PaySecret, db: Db, adapters: AdaptersDep):
    _simulated(adapters)
    try:
        order = _order_for_page(db, order_id, t)
    except ApiError:
        return _html_error(request, 404, "链接无效", "此支付链接无效或已失效。")
    if refresh_expiry(order, db):
        db.commit()
    return templates.TemplateResponse(request, "pay.html", {"order": order, "secret": t})


@router.post("/pay/{order_id}", response_class=HTMLResponse, responses={404: {"description": "Unknown link"}},
             summary="Pay or cancel on the payment page (demo only)")
def pay_submit(request: Request, order_id: OrderId, t: Annotated[str, Form(min_length=1, max_length=64)],
               action: Annotated[str, Form(pattern="^(pay|cancel)$")], db: Db, adapters: AdaptersDep):
    provider = _simulated(adapters)
    try:
        order = _order_for_page(db, order_id, t)
    except ApiError:
        return _html_error(request, 404, "链接无效", "此支付链接无效或已失效。")
    # The simulated provider takes the payment, then notifies the gateway exactly as a real one would: signed.
    body, signature = provider.notification(order.order_id, order.provider_ref,
                                            "paid" if action == "pay" else "cancelled")
    apply_notification(db, provider.parse_notification(body, signature), provider)
    db.commit()
    return templates.TemplateResponse(request, "pay.html", {"order": order, "secret": t})


@router.post("/notifications/payments", responses=errors(400, 404, 422),
             summary="The simulated provider's signed notification (HMAC-SHA256 in X-Signature; demo only)")
async def payment_notification(request: Request, db: Db, adapters: AdaptersDep,
                               x_signature: Annotated[str, Header(min_length=1, max_length=128)]) -> dict:
    provider = _simulated(adapters)
    body = await request.body()
    try:
        notification = provider.parse_notification(body, x_signature)
        order = apply_notification(db, notification, provider)
    except NotificationRejected as exc:
        record_rejection(db, "unified", str(exc))
        raise ApiError(400, "notification_rejected", f"Notification refused: {exc}.")
    except NotificationMismatch:
        record_rejection(db, "unified", "unknown order")
        raise ApiError(404, "order_not_found", "The notification names no known order.")
    db.commit()
    return {"order_id": order.order_id, "status": order.status}
