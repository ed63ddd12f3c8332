"""The aggregated code's page (聚合码): the phone that scanned the kiosk's one QR opens it, and it pays in that app:
WeChat's browser through the OAuth step and a JSAPI order, Alipay's through its mobile-site cashier; any other
browser is told to scan with one of them."""
from __future__ import annotations

import hmac
import logging
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from gateway.adapters.aggregated_code import AGGREGATED, PAGE_PATH, payer_app
from gateway.adapters.payment import ProviderError
from gateway.deps import AdaptersDep, Db, Settings, sha256_hex
from gateway.models import PaymentOrder
from gateway.payments import refresh_expiry
from gateway.routers.pages import _html_error, templates

logger = logging.getLogger(__name__)

router = APIRouter(tags=["aggregated payment code"])

OrderId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
PaySecret = Annotated[str, Query(alias="t", min_length=1, max_length=64)]
OAuthCode = Annotated[str, Query(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
# The JSAPI page runs one inline script (WeixinJSBridge); the nonce of this answer is its only way in.
JSAPI_CSP = ("default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; "
             "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


def _order(db, adapters, order_id: str, secret: str):
    """The aggregated order behind a valid link, with the gateway's aggregated provider; None otherwise."""
    provider = adapters.channels().get(AGGREGATED)
    order = db.get(PaymentOrder, order_id)
    if provider is None or order is None or order.channel != AGGREGATED or \
            not hmac.compare_digest(order.pay_secret_hash, sha256_hex(secret)):
        return None, None
    if refresh_expiry(order, db):
        db.commit()
    return order, provider


def _invalid(request: Request) -> HTMLResponse:
    return _html_error(request, 404, "链接无效 / Invalid link", "此支付码无效或已失效。This payment code is not valid.")


def _status_page(request: Request, order: PaymentOrder, status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "pay_aggregated.html", {"order": order, "mode": "status"},
                                      status_code=status_code)


def _opened(request: Request, db, adapters, order_id: str, secret: str, only: str | None = None):
    """(order, provider, app, None) for a pending order opened in WeChat or Alipay (`only`: that app); otherwise the
    page to answer with: invalid link, the order's state, or 'open it with WeChat or Alipay'."""
    order, provider = _order(db, adapters, order_id, secret)
    if order is None:
        return None, None, None, _invalid(request)
    if order.status != "pending":
        return order, provider, None, _status_page(request, order)
    app = payer_app(request.headers.get("user-agent"))
    if app is None or (only and app != only):
        return order, provider, app, templates.TemplateResponse(request, "pay_aggregated.html",
                                                                {"order": order, "mode": "other_browser"})
    return order, provider, app, None


def _page_url(settings, order_id: str, secret: str, suffix: str = "") -> str:
    return f"{settings.public_base_url.rstrip('/')}{PAGE_PATH}/{order_id}{suffix}?{urlencode({'t': secret})}"


@router.get(PAGE_PATH + "/{order_id}", response_class=HTMLResponse,
            responses={302: {"description": "To WeChat's OAuth step, or to Alipay's cashier"},
                       404: {"description": "Unknown link"}},
            summary="The aggregated code's page: pays in the app that opened it (WeChat or Alipay)")
def aggregated_page(request: Request, order_id: OrderId, t: PaySecret, db: Db, adapters: AdaptersDep,
                    settings: Settings):
    order, provider, app, page = _opened(request, db, adapters, order_id, t)
    if page is not None:
        return page
    description = f"不动产登记税费 {order.case_id}"
    try:
        if app == "wechat":
            target = provider.wechat.oauth_url(_page_url(settings, order_id, t, "/wechat"), state=order_id)
        else:
            target = provider.alipay.wap_pay_url(order_id, order.amount_fen, description=description,
                                                 expires_at=order.expires_at,
                                                 return_url=_page_url(settings, order_id, t))
    except ProviderError as exc:
        logger.warning("aggregated code of order %s: %s", order_id, exc)
        return _html_error(request, 502, "暂不能支付 / Payment unavailable",
                           "支付服务暂时不可用，请稍后重试。The payment service is unavailable; please try again.")
    logger.info("aggregated code of order %s opened in %s", order_id, app)
    return RedirectResponse(target, status_code=302)


@router.get(PAGE_PATH + "/{order_id}/wechat", response_class=HTMLResponse,
            responses={404: {"description": "Unknown link"}, 502: {"description": "WeChat refused a step"}},
            summary="WeChat's OAuth step returns here: a JSAPI order for the payer, paid with WeixinJSBridge")
def wechat_jsapi_page(request: Request, order_id: OrderId, t: PaySecret, code: OAuthCode, db: Db,
                      adapters: AdaptersDep):
    order, provider, app, page = _opened(request, db, adapters, order_id, t, only="wechat")
    if page is not None:
        return page
    try:
        openid = provider.wechat.openid(code)
        params = provider.wechat.jsapi_order(order_id, order.amount_fen, openid, expires_at=order.expires_at,
                                             description=f"不动产登记税费 {order.case_id}")
    except ProviderError as exc:
        logger.warning("aggregated code of order %s: %s", order_id, exc)
        return _html_error(request, 502, "暂不能支付 / Payment unavailable",
                           "微信支付暂时不可用，请稍后重新扫码。WeChat Pay is unavailable; please scan again later.")
    nonce = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(request, "pay_aggregated.html",
                                          {"order": order, "mode": "wechat", "params": params, "nonce": nonce})
    response.headers["content-security-policy"] = JSAPI_CSP.format(nonce=nonce)
    return response
