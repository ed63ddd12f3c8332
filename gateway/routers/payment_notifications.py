"""The payment providers' notifications (WeChat Pay, Alipay): verified by the provider's adapter, each notification id
taken once, every outcome (taken, repeated, refused) in the audit chain, answered in the provider's own format."""
from __future__ import annotations

import logging
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.exc import IntegrityError

from gateway import audit_chain
from gateway.adapters.aggregated_code import provider_for
from gateway.adapters.payment import NotificationRejected, ProviderError
from gateway.deps import AdaptersDep, Db
from gateway.models import PaymentNotificationSeen, utcnow
from gateway.payments import NotificationMismatch, apply_notification

logger = logging.getLogger(__name__)

router = APIRouter(tags=["payment notifications"])

MAX_NOTIFICATION_BYTES = 64 * 1024


def record_rejection(db, channel: str, reason: str) -> None:
    """A refused notification is evidence (a forgery, a replay): audited in its own transaction."""
    db.rollback()
    audit_chain.append(db, f"payment_provider:{channel}", "payment_notification_rejected", None,
                       {"channel": channel, "reason": reason[:120]})
    db.commit()
    logger.warning("payment notification on %s refused: %s", channel, reason)


def _ack(provider, ok: bool, message: str = "") -> Response:
    ack = provider.ack(ok, message)
    return Response(content=ack.body, status_code=ack.status_code, media_type=ack.media_type)


def _take(db, provider, body: bytes, headers: dict) -> tuple[bool, str]:
    channel = provider.channel
    try:
        notification = provider.parse_notification(body, headers)
    except (NotificationRejected, ProviderError) as exc:
        record_rejection(db, channel, str(exc))
        return False, "验签失败"
    notification_id = getattr(provider, "notification_id", lambda _b: None)(body)
    if notification_id:
        seen = db.get(PaymentNotificationSeen, (channel, notification_id[:96]))
        if seen is not None:
            # The provider repeats a notification until it hears success; an attacker replays one. Either way
            # the money was taken the first time: nothing changes, and the repeat is on record.
            audit_chain.append(db, f"payment_provider:{channel}", "payment_notification_repeated",
                               notification.order_id, {"channel": channel})
            db.commit()
            return True, ""
        db.add(PaymentNotificationSeen(channel=channel, notification_id=notification_id[:96],
                                       order_id=notification.order_id, received_at=utcnow()))
    try:
        apply_notification(db, notification, provider)
        db.commit()
    except NotificationMismatch as exc:
        record_rejection(db, channel, str(exc))
        return False, "订单不存在"
    except IntegrityError:  # the same notification, taken a moment ago by another worker
        db.rollback()
    return True, ""


@router.post("/notifications/payments/{channel}", response_class=Response,
             responses={200: {"description": "Taken (the provider's own answer format)"},
                        400: {"description": "Refused (signature, replay window, unknown order)"},
                        404: {"description": "No such channel on this gateway"}},
             summary="A payment provider's notification (WeChat Pay API v3 or Alipay), verified by its adapter")
async def provider_notification(request: Request, channel: Annotated[str, Path(pattern="^(wechat|alipay)$")],
                                db: Db, adapters: AdaptersDep) -> Response:
    provider = provider_for(adapters.channels(), channel)  # on its own, or a member of the aggregated code
    if provider is None or getattr(provider, "simulated", False):
        return Response(status_code=404, content=b'{"code":"NOT_FOUND","message":"no such channel"}',
                        media_type="application/json")
    body = await request.body()
    if len(body) > MAX_NOTIFICATION_BYTES:
        return _ack(provider, False, "too large")
    headers = {k.lower(): v for k, v in request.headers.items()}
    # Verification may fetch a new platform certificate and a refund calls the provider: off the event loop.
    ok, message = await anyio.to_thread.run_sync(_take, db, provider, body, headers)
    return _ack(provider, ok, message)
