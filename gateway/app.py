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
    from gateway.routers import (bank_recording, bank_signing, cases, fleet, health, lockers, pages,
                                 payment_notifications, payments, portraits, proofs, tokens)

    settings = settings or GatewaySettings()
    from gateway.audit_chain import use_seal_key

    use_seal_key(settings.audit_seal_key)  # before the migrations: one of them seals the head
    engine = engine if engine is not None else make_engine(settings.database_url)
    if settings.run_migrations:
        migrate(engine)
    from gateway.background import background_tasks  # alert check, SQLite checkpoints

    app = FastAPI(title="Property registration kiosk gateway", version=API_VERSION, lifespan=background_tasks,
                  description="The API the self-service kiosks, bank service points and pickup lockers use. "
                              "Errors are 4xx with {\"error\": {\"code\", \"message\"}}.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.adapters = adapters or simulated_adapters(settings)
    install_error_handlers(app)
    if settings.require_client_cert:
        from gateway.tls import ClientCertMiddleware

        app.add_middleware(ClientCertMiddleware)
    # Requests try the routers in this order, each one's routes in turn: the hot paths (heartbeats, case status,
    # tokens) come first, right after the trivial health check (the benchmarks' floor).
    for module in (health, fleet, cases, tokens, payments, payment_notifications, portraits, proofs, bank_signing,
                   bank_recording, lockers, pages):
        app.include_router(module.router)
    if settings.demo and getattr(app.state.adapters.channels().get("unified"), "simulated", False):
        from gateway.routers import demo_pay  # the simulated provider's pay page: demo mode only

        app.include_router(demo_pay.router)
    from gateway.routers import e_certificates  # e-certificate download links for the applicant's phone
    app.include_router(e_certificates.router)
    app.include_router(__import__("gateway.dashboard", fromlist=["router"]).router)  # the staff dashboard
    return app
