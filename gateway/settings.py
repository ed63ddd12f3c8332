"""The gateway's settings: one frozen object built by the CLI (or a test) and handed to the app factory."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
# Demo portraits are used in place from the repository's sibling folder, never copied into the repo.
DEFAULT_FACES_DIR = REPO_ROOT.parent / "shared" / "data" / "faces"


@dataclass(frozen=True)
class GatewaySettings:
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'gateway.db'}"
    # Where a phone or a verifier reaches this gateway (payment page, proof verification page, e-invoices).
    public_base_url: str = "http://127.0.0.1:8600"
    applicant_token_ttl_s: int = 600
    # Fixed-window rate limit per kiosk, counted in the database so every gateway process shares it; 0 turns it off.
    rate_limit_per_minute: int = 600
    # Look-ups of /verify/<code> per client address per minute, counted in the database like the kiosks'; 0: off.
    verify_rate_limit_per_minute: int = 30
    payment_order_ttl_s: int = 900
    pickup_code_ttl_s: int = 7 * 24 * 3600
    office_name: str = "不动产登记中心（演示）"
    faces_dir: Path = DEFAULT_FACES_DIR
    # Secret the simulated unified-collection provider signs its notifications with (demo only).
    payment_notify_secret: str = "demo-payment-secret"
    # The simulated payment provider and its /pay page (demo only). The CLI sets it from --demo; the app factory's
    # default (tests, `make demo`) has it. A gateway started without --demo has only the configured providers.
    simulated_payment: bool = True
    # The payment configuration file (gateway/payment_config.py): real providers; None: simulated (demo) or none.
    payment_config: str | None = None
    payment_region_code: str = "110105"
    # The order watcher asks the provider about a pending order this long before it expires (and every
    # payment_requery_s until then), and once more after it expired: a lost notification never loses a payment.
    payment_query_before_expiry_s: float = 120.0
    payment_requery_s: float = 30.0
    # Seconds between two passes of the order watcher and daily reconciliation check; 0: off.
    payment_watch_interval_s: float = 10.0
    run_migrations: bool = True
    # Production mode (`kiosk-gateway --production`): the kiosk API only over mutual TLS, and each call's client
    # certificate CN must be the kiosk its API key belongs to (gateway/tls.py).
    require_client_cert: bool = False
    # Seconds between two passes of each process's background alert check (gateway.dashboard.alerts.AlertChecker),
    # which raises and clears fleet alerts (a kiosk silent for three heartbeat intervals...) with no page open; 0: off.
    alert_check_interval_s: float = 10.0
    # Seals the audit chain's head (gateway/audit_chain.py); production reads it from --audit-key-file.
    audit_seal_key: str = "demo-audit-seal-key"
    # Identity (gateway/routers/identity.py): the largest face-encoding distance taken as the same person (the
    # kiosks' measured threshold, config.schema.IdentityConfig), and each kiosk's default caps per hour
    # (gateway/identity_caps.py; a kiosk's identity_policies row may set its own).
    face_distance_threshold: float = 0.58
    identity_max_ids_per_hour: int = 30
    identity_max_failures_per_hour: int = 10
    # A request body must arrive whole within this many seconds of its headers (gateway.request_limits); the
    # request head within head_read_timeout_s of the connection (gateway.slow_clients, set on the server).
    body_read_timeout_s: float = 10.0
    head_read_timeout_s: float = 10.0
    # `--production`: HSTS on every answer, API documents only for signed-in staff.
    production: bool = False
    # `--public`: only the pages a phone or verifier opens (gateway.app), for the instance outside the kiosk network.
    public_only: bool = False
    # `--demo`: demo data was seeded; the API documents are open to anyone.
    demo: bool = False
    # The registration centre's electronic seal (gateway.seal_pki layout): sealed proofs, receipts and e-certificates
    # and the /verify upload check need it; without it those answer 503. seal_tsa_url: a real RFC 3161 TSA
    # (production); None stamps time with the folder's demo TSA key.
    seal_dir: Path | None = None
    seal_tsa_url: str | None = None
    # Server-side prepared statements on PostgreSQL (the hot paths: gateway/pg_hot_paths.py). Off behind a PgBouncer
    # in transaction pooling mode (`kiosk-gateway --pgbouncer`): before 1.21 it cannot keep them across transactions.
    database_prepared_statements: bool = True
    # /metrics (gateway.metrics): answered to a scrape with this bearer token, to a client address in metrics_allow
    # (comma-separated addresses or networks), or to signed-in staff; never to anyone else.
    metrics_token: str | None = None
    metrics_allow: str = ""
    # Seconds between two passes over the running software rollouts (gateway.releases.advance); 0: off.
    rollout_check_interval_s: float = 5.0
    # Log lines as JSON objects (python-json-logger) instead of text; still masked.
    log_json: bool = False
    # The self-service business catalogue (gateway/business_catalogue.py); None: gateway/data/businesses.toml.
    business_catalogue: str | None = None
    # Where application materials are kept, encrypted (gateway/material_store.py): a folder, or
    # s3://bucket?endpoint=https://host for an S3-compatible store shared by several gateway hosts. None: var/materials.
    material_store: str | None = None
    extra: dict = field(default_factory=dict)
