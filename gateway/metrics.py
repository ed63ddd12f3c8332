"""Prometheus /metrics for the centre's own tools: request rate and latency by route, heartbeats, fleet gauges."""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

logger = logging.getLogger(__name__)

# prometheus-client's multiprocess mode: each uvicorn worker writes its counters into files in this folder and a
# scrape of any worker sums them all (gateway.cli.serve sets it when it starts several workers).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("kiosk_gateway_requests_total", "HTTP requests answered, by route template, method and status",
                   ["route", "method", "status"])
LATENCY = Histogram("kiosk_gateway_request_seconds", "Time to answer an HTTP request, by route template",
                    ["route", "method"],
                    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
HEARTBEATS = Counter("kiosk_gateway_heartbeats_total", "Kiosk heartbeats received, by outcome (accepted, refused)",
                     ["outcome"])

HEARTBEAT_ROUTE = "/v1/heartbeats"
UNMATCHED = "unmatched"  # a path no route takes: never the raw path (unbounded label values, maybe a secret)


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request under its route template (/v1/cases/{case_id})."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_status(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or _template_of(scope)
            method = scope.get("method", "GET")
            REQUESTS.labels(route, method, str(status["code"])).inc()
            LATENCY.labels(route, method).observe(time.perf_counter() - started)
            if route == HEARTBEAT_ROUTE and method == "POST":
                HEARTBEATS.labels("accepted" if status["code"] < 400 else "refused").inc()


def _template_of(scope) -> str:
    """The route template of a request answered before routing (a body guard's refusal), else UNMATCHED."""
    return _match(getattr(getattr(scope.get("app"), "router", None), "routes", ()), scope) or UNMATCHED


def _match(routes, scope) -> str | None:
    from starlette.routing import Match

    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI keeps an included router's routes behind it
        if inner is not None:
            found = _match(inner.routes, scope)
            if found:
                return found
            continue
        path = getattr(route, "path", None)
        try:
            if path and route.matches(scope)[0] is Match.FULL:
                return path
        except Exception:  # a route that cannot judge this scope
            continue
    return None


class FleetCollector:
    """Gauges read from the database at scrape time, so every gateway process reports the same figures."""

    def __init__(self, engine):
        self.engine = engine

    def collect(self):
        from gateway.dashboard.models import FleetAlert
        from gateway.models import Kiosk, PaymentOrder, utcnow

        kiosks = GaugeMetricFamily("kiosk_gateway_kiosks", "Registered kiosks, by enabled state", labels=["enabled"])
        outbox = GaugeMetricFamily("kiosk_gateway_outbox_depth",
                                   "Events waiting in each kiosk's outbox, as its last heartbeat reported",
                                   labels=["kiosk_id"])
        age = GaugeMetricFamily("kiosk_gateway_heartbeat_age_seconds",
                                "Seconds since each kiosk's last heartbeat", labels=["kiosk_id"])
        alerts = GaugeMetricFamily("kiosk_gateway_open_alerts", "Fleet alerts raised and not cleared, by kind",
                                   labels=["kind"])
        payments = GaugeMetricFamily("kiosk_gateway_payment_orders", "Payment orders by channel and outcome",
                                     labels=["channel", "status"])
        now = utcnow()
        with self.engine.connect() as db:
            for enabled, count in db.execute(select(Kiosk.enabled, func.count()).group_by(Kiosk.enabled)):
                kiosks.add_metric(["true" if enabled else "false"], count)
            for kiosk_id, depth, last in db.execute(select(Kiosk.kiosk_id, Kiosk.outbox_depth,
                                                           Kiosk.last_heartbeat_at).order_by(Kiosk.kiosk_id)):
                outbox.add_metric([kiosk_id], depth or 0)
                if last is not None:
                    age.add_metric([kiosk_id], max(0.0, (now - last).total_seconds()))
            for kind, count in db.execute(select(FleetAlert.kind, func.count()).where(FleetAlert.cleared_at.is_(None))
                                          .group_by(FleetAlert.kind).order_by(FleetAlert.kind)):
                alerts.add_metric([kind], count)
            for channel, status, count in db.execute(
                    select(PaymentOrder.channel, PaymentOrder.status, func.count())
                    .group_by(PaymentOrder.channel, PaymentOrder.status)):
                payments.add_metric([channel or "unknown", status], count)
        yield from (kiosks, outbox, age, alerts, payments)


def _process_metrics() -> bytes:
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY)


def allowed_networks(text: str) -> list:
    """'10.0.0.0/8, 127.0.0.1' -> networks; a bad entry raises ValueError naming it."""
    networks = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"metrics allow-list: {item!r} is not an address or a network") from None
    return networks


def _authorised(request: Request) -> bool:
    settings = request.app.state.settings
    token = getattr(settings, "metrics_token", None)
    header = request.headers.get("authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    client = request.client.host if request.client else None
    if client:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            address = None
        if address is not None and any(address in net for net in allowed_networks(
                getattr(settings, "metrics_allow", ""))):
            return True
    from gateway.dashboard.auth import COOKIE_NAME, session_identity

    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return False
    with request.app.state.sessionmaker() as db:
        return session_identity(db, cookie) is not None  # any signed-in staff member


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
@router.get("/dashboard/metrics")  # the staff session cookie is scoped to /dashboard
def metrics(request: Request) -> Response:
    if not _authorised(request):
        return JSONResponse({"error": {"code": "unauthorised", "message": "The metrics need the scrape token, an "
                                       "allowed address or a staff sign-in."}}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    fleet = CollectorRegistry()
    fleet.register(FleetCollector(request.app.state.engine))
    return Response(_process_metrics() + generate_latest(fleet), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def install(app) -> None:
    """Adds the /metrics route and the request-timing middleware to the app."""
    app.include_router(router)
    app.add_middleware(RequestMetrics)
