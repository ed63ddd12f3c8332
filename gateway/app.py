"""The gateway application factory: settings in, a FastAPI app out (database migrated, adapters wired)."""
from __future__ import annotations

import logging

from fastapi import FastAPI

from gateway.adapters import Adapters, simulated_adapters
from gateway.db import make_engine, make_sessionmaker, migrate
from gateway.errors import install_error_handlers
from gateway.settings import GatewaySettings

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"


def create_app(settings: GatewaySettings | None = None, *, engine=None, adapters: Adapters | None = None) -> FastAPI:
    """Builds the app; `engine` lets a test hand in its own (e.g. one bound to a per-test PostgreSQL schema)."""
    from gateway.routers import (bank_recording, bank_signing, cases, dropoffs, fleet, health, identity, lockers,
                                 pages, payment_notifications, payments, proofs, tokens)

    settings = settings or GatewaySettings()
    from gateway.audit_chain import use_seal_key

    use_seal_key(settings.audit_seal_key)  # before the migrations: one of them seals the head
    engine = engine if engine is not None else make_engine(settings.database_url,
                                                           prepared=settings.database_prepared_statements)
    if settings.run_migrations:
        migrate(engine)
    from gateway.background import background_tasks  # alert check, SQLite checkpoints

    # The API documents are open only in a demo; staff of a real gateway read them at /dashboard/openapi.json.
    documents = {} if settings.demo and not settings.public_only else {"docs_url": None, "redoc_url": None,
                                                                        "openapi_url": None}
    app = FastAPI(title="Property registration kiosk gateway", version=API_VERSION, lifespan=background_tasks,
                  **documents,
                  description="The API the self-service kiosks, bank service points and pickup lockers use. "
                              "Errors are 4xx with {\"error\": {\"code\", \"message\"}}.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.adapters = adapters or simulated_adapters(settings)
    app.state.seal = app.state.seal_trust = None
    from gateway.business_catalogue import DEFAULT_PATH, load_catalogue

    app.state.business_catalogue = load_catalogue(settings.business_catalogue or DEFAULT_PATH)  # a bad file stops here
    from gateway import material_models  # noqa: F401  (its table, for the migrations' metadata)
    from gateway.material_store import open_store
    from gateway.settings import REPO_ROOT

    app.state.material_store = open_store(settings.material_store, REPO_ROOT / "var" / "materials")
    if settings.seal_dir is not None:
        from gateway.seal import Seal, SealFiles
        from gateway.seal_check import SealTrust

        app.state.seal = Seal.load(SealFiles(settings.seal_dir, settings.seal_tsa_url), settings.office_name)
        app.state.seal_trust = SealTrust(settings.seal_dir)
    install_error_handlers(app)
    if settings.require_client_cert:
        from gateway.tls import ClientCertMiddleware

        app.add_middleware(ClientCertMiddleware)
    from gateway.request_limits import RequestBodyGuard
    from gateway.security_headers import SecurityHeaders

    app.add_middleware(SecurityHeaders, production=settings.production)
    app.add_middleware(RequestBodyGuard, body_timeout_s=settings.body_read_timeout_s)  # outermost: before any body
    from gateway.routers import e_certificates  # e-certificate download links for the applicant's phone
    from gateway.routers import aggregated_pay

    if settings.public_only:
        # The instance phones and payment providers reach: the public pages, the e-certificate downloads and the
        # providers' payment notifications; nothing under /v1 (the kiosk API), no dashboard, no API documents.
        from fastapi import APIRouter

        downloads = APIRouter()
        downloads.routes.extend(route for route in e_certificates.router.routes if not route.path.startswith("/v1/"))
        app.include_router(pages.router)
        app.include_router(payment_notifications.router)
        app.include_router(downloads)
        app.include_router(aggregated_pay.router)  # the aggregated code's page: phones open it
        return app
    # Requests try the routers in this order, each one's routes in turn: the hot paths (heartbeats, case status,
    # tokens) come first, right after the trivial health check (the benchmarks' floor).
    for module in (health, fleet, cases, tokens, identity, payments, payment_notifications, proofs, bank_signing,
                   bank_recording, lockers, dropoffs, pages):
        app.include_router(module.router)
    from gateway.routers import lean_heartbeat

    lean_heartbeat.install(app)  # POST /v1/heartbeats without the dependency solving, same answers
    if settings.simulated_payment and getattr(app.state.adapters.channels().get("unified"), "simulated", False):
        from gateway.routers import demo_pay  # the simulated provider's pay page: demo mode only

        app.include_router(demo_pay.router)
    app.include_router(e_certificates.router)
    app.include_router(aggregated_pay.router)  # the aggregated code's page (404 unless the site takes `aggregated`)
    from gateway.routers import help_requests  # call staff (issue 21)

    app.include_router(help_requests.router)
    from gateway.routers import staff_assisted  # staff-assisted verification (issue 21)

    app.include_router(staff_assisted.router)
    from gateway.routers import ratings  # 好差评 call-backs (issue 21)

    app.include_router(ratings.router)
    from gateway.routers import queue  # queue tickets and appointment check-in (issue 21)

    app.include_router(queue.router)
    app.include_router(__import__("gateway.routers.certificates", fromlist=["router"]).router)  # issue 22
    from gateway.routers import kiosk_event_batches  # an outbox backlog delivered many events to a request
    app.include_router(kiosk_event_batches.router)
    from gateway.routers import applications, material_uploads  # 一窗受理: the catalogue, the materials' upload

    app.include_router(applications.router)
    app.include_router(material_uploads.router)
    app.include_router(__import__("gateway.dashboard", fromlist=["router"]).router)  # the staff dashboard
    from gateway.dashboard import help_desk  # the call-staff board (issue 21)

    app.include_router(help_desk.router)
    from gateway.dashboard import ratings_page  # 好差评 statistics (issue 21)

    app.include_router(ratings_page.router)
    from gateway.dashboard import queue_page  # the halls' queues (issue 21)

    app.include_router(queue_page.router)
    from gateway.dashboard import assist_qr  # one-time staff QR codes (issue 21)

    app.include_router(assist_qr.router)
    from gateway.dashboard import dropoff_pages  # locker drop-off codes issued by staff (issue 22)

    app.include_router(dropoff_pages.router)
    from gateway.dashboard import config_pages  # central configuration: site profiles, overrides, diff

    app.include_router(config_pages.router)
    from gateway import releases  # software releases: the kiosks' bundle downloads
    from gateway.dashboard import release_pages  # upload, rollout by group, each kiosk's version and update state

    app.include_router(releases.router)
    app.include_router(release_pages.router)
    from gateway.dashboard import availability_pages  # availability by kiosk and hall, work orders

    app.include_router(availability_pages.router)
    from gateway import remote_view  # screenshots asked of a kiosk, uploaded by it
    from gateway.dashboard import remote_pages  # the remote view: screenshot and masked log tail

    app.include_router(remote_view.router)
    app.include_router(remote_pages.router)
    from gateway import application_models, parallel_review  # noqa: F401  一窗受理: submission, parallel review
    from gateway.dashboard import prereview_pages  # staff pre-review (预审) of submitted applications
    from gateway.routers import application_submissions

    app.include_router(application_submissions.router)
    app.include_router(prereview_pages.router)
    parallel_review.install_retry_job(app)
    from gateway import certificate_jobs  # courier tracking and the evidence purge, as cluster jobs

    certificate_jobs.install_jobs(app)
    from gateway import metrics  # Prometheus /metrics, protected, and the request timing behind it

    metrics.install(app)
    return app
