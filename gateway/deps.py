"""Request dependencies: the database session, kiosk authentication with its rate limit, applicant tokens."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, AsyncIterator

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway import audit_chain
from gateway.adapters import Adapters
from gateway.db import READ_ONLY, RELAXED_DURABILITY, run_db
from gateway.digests import sha256_hex
from gateway.errors import ApiError
from gateway.models import ApplicantToken, Kiosk, RateWindow, utcnow
from gateway.settings import GatewaySettings
from gateway.tls import peer_cert_name

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="The kiosk's API key")


# Dependencies that do no I/O are async, and the database work of authentication runs in one worker-thread hop:
# every sync dependency costs a thread hand-off, which dominated the cost of a heartbeat.
async def get_settings(request: Request) -> GatewaySettings:
    return request.app.state.settings


async def get_adapters(request: Request) -> Adapters:
    return request.app.state.adapters


async def get_db(request: Request) -> AsyncIterator[Session]:
    # Creating a Session does no I/O; handlers commit their own work, so closing is cheap too.
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


Db = Annotated[Session, Depends(get_db)]
AdaptersDep = Annotated[Adapters, Depends(get_adapters)]
Settings = Annotated[GatewaySettings, Depends(get_settings)]


@dataclass(frozen=True)
class KioskIdentity:
    """The authenticated kiosk, as read at the start of the request."""

    kiosk_id: str
    site_kind: str
    demo: bool
    devices: dict | None
    audit_head: dict | None = None  # the kiosk's audit log head as last reported (gateway/routers/fleet.py)


# The statements of the hot path are built once, with bind parameters, and reused: building a statement and its
# cache key on every call cost several times what SQLite spends running it.
_kiosks = Kiosk.__table__
_rate_windows = RateWindow.__table__
_KIOSK_BY_KEY = select(_kiosks.c.kiosk_id, _kiosks.c.site_kind, _kiosks.c.demo, _kiosks.c.enabled,
                       _kiosks.c.devices, _kiosks.c.audit_head).where(_kiosks.c.api_key_hash == bindparam("key_hash"))
_FORGET_OLD_WINDOWS = delete(_rate_windows).where(_rate_windows.c.kiosk_id == bindparam("kiosk_id"),
                                                  _rate_windows.c.window_start < bindparam("window_start"))


def _count_upsert(upsert):
    stmt = upsert(_rate_windows).values(kiosk_id=bindparam("kiosk_id"), window_start=bindparam("window_start"), count=1)
    return stmt.on_conflict_do_update(index_elements=[_rate_windows.c.kiosk_id, _rate_windows.c.window_start],
                                      set_={"count": _rate_windows.c.count + 1}).returning(_rate_windows.c.count)


_COUNT_UPSERT = {"sqlite": _count_upsert(sqlite_insert), "postgresql": _count_upsert(pg_insert)}


def _count_request(db: Session, kiosk_id: str, window_start: int) -> int:
    dialect = db.dialect if isinstance(db, Connection) else db.get_bind().dialect
    params = {"kiosk_id": kiosk_id, "window_start": window_start}
    count = db.execute(_COUNT_UPSERT["sqlite" if dialect.name == "sqlite" else "postgresql"], params).scalar_one()
    if count == 1:  # first request of a new window: forget the old ones
        db.execute(_FORGET_OLD_WINDOWS, params)
    return count


def count_in_window(db, key: str, window_start: int) -> int:
    """Counts one more request for `key` (a kiosk id, or a prefixed client address) in the window starting at
    `window_start`, in the caller's transaction; returns the window's count so far."""
    return _count_request(db, key, window_start)


def authenticate(engine, settings: GatewaySettings, api_key: str) -> KioskIdentity:
    """Looks the key up and counts the request in the kiosk's fixed one-minute window, in its own transaction, so a
    refused or failing call still counts. A Core connection: the ORM's unit of work costs more than the two
    statements."""
    with engine.connect() as db:
        # Only the count is written: harmless to lose in a power cut. With no rate limit nothing is written at all.
        db.execution_options(**{RELAXED_DURABILITY: True, READ_ONLY: settings.rate_limit_per_minute <= 0})
        return authenticate_in(db, settings, api_key)


def authenticate_in(db: Session, settings: GatewaySettings, api_key: str, *, commit: bool = True) -> KioskIdentity:
    """authenticate() inside the caller's transaction; with commit=False the count is committed with the caller's
    work (hot paths whose only failure after this point is a refusal raised here)."""
    kiosk = find_kiosk(db, settings, api_key, peer_cert_name.get())
    refusal = count_request(db, settings, kiosk.kiosk_id)
    if commit or refusal is not None:
        db.commit()
    if refusal is not None:
        raise refusal
    return kiosk


def find_kiosk(db, settings: GatewaySettings, api_key: str, peer_cert: str | None) -> KioskIdentity:
    """The enabled kiosk the key belongs to, or a 401/403 refusal; writes nothing. `peer_cert`: the CN of the
    request's client certificate (gateway.tls), checked when the settings require one."""
    row = db.execute(_KIOSK_BY_KEY, {"key_hash": sha256_hex(api_key)}).one_or_none()
    refusal = kiosk_refusal(row.kiosk_id if row else None, row.enabled if row else None, settings, peer_cert)
    if refusal is not None:
        raise refusal
    return KioskIdentity(row.kiosk_id, row.site_kind, bool(row.demo), row.devices, row.audit_head)


def kiosk_refusal(kiosk_id: str | None, enabled: bool | None, settings: GatewaySettings,
                  peer_cert: str | None) -> ApiError | None:
    """Why the kiosk found for a key (None: no kiosk) may not call, or None (also gateway.pg_hot_paths' callers)."""
    if kiosk_id is None:
        return ApiError(401, "unknown_kiosk", "The API key does not belong to any kiosk.",
                        {"WWW-Authenticate": "Bearer"})
    if settings.require_client_cert and peer_cert != kiosk_id:
        return ApiError(403, "certificate_mismatch", "The client certificate does not belong to this kiosk.")
    if not enabled:
        return ApiError(403, "kiosk_disabled", "This kiosk has been disabled by the registration centre.")
    return None


def count_request(db, settings: GatewaySettings, kiosk_id: str) -> ApiError | None:
    """Counts the request in the kiosk's fixed one-minute window (not committed); the 429 refusal, when over the
    limit, is returned for the caller to raise once the count is committed."""
    limit = settings.rate_limit_per_minute
    if limit <= 0:
        return None
    now = utcnow().timestamp()
    window = int(now // 60) * 60
    return rate_refusal(_count_request(db, kiosk_id, window), limit, now)


def rate_refusal(count: int | None, limit: int, now: float) -> ApiError | None:
    """The 429 for the `count`th request in the current one-minute window when that is over `limit`, else None."""
    if limit <= 0 or count is None or count <= limit:
        return None
    window = int(now // 60) * 60
    retry = max(1, int(window + 60 - now))
    return ApiError(429, "rate_limited", f"Too many requests from this kiosk; retry in {retry} s.",
                    {"Retry-After": str(retry)})


async def current_kiosk(request: Request,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> KioskIdentity:
    """The kiosk behind the API key (Authorization: Bearer)."""
    api_key = api_key_of(credentials)
    state = request.app.state
    return await run_db(state.engine, authenticate, state.engine, state.settings, api_key)


CurrentKiosk = Annotated[KioskIdentity, Depends(current_kiosk)]


ApiKey = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
TokenHeader = Annotated[str, Header(alias="X-Applicant-Token", min_length=1, max_length=200,
                                    description="Token from POST /v1/applicant-tokens")]


def api_key_of(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "unauthorized", "Send the kiosk's API key as 'Authorization: Bearer <key>'.",
                       {"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def _valid_token(token, kiosk: KioskIdentity):
    check_token(token.kiosk_id if token is not None else None, token.expires_at if token is not None else None,
                kiosk.kiosk_id)
    return token


def check_token(token_kiosk_id: str | None, expires_at, kiosk_id: str) -> None:
    """Refuses a token that is unknown (token_kiosk_id None), another kiosk's, or expired."""
    if token_kiosk_id is None or token_kiosk_id != kiosk_id:
        raise ApiError(401, "token_invalid", "The applicant token is not valid for this kiosk.")
    if expires_at <= utcnow():
        raise ApiError(401, "token_expired", "The applicant token has expired; verify the applicant again.")


def check_applicant(db: Session, kiosk: KioskIdentity, raw_token: str) -> ApplicantToken:
    return _valid_token(db.get(ApplicantToken, sha256_hex(raw_token)), kiosk)


_tokens = ApplicantToken.__table__
_TOKEN_BY_HASH = select(_tokens.c.kiosk_id, _tokens.c.id_number, _tokens.c.expires_at, _tokens.c.method).where(
    _tokens.c.token_hash == bindparam("token_hash"))


def applicant_id_number(db: Connection, kiosk: KioskIdentity, raw_token: str, settings: GatewaySettings | None = None,
                        path: str = "/v1/cases") -> str:
    """check_applicant() for read-only hot paths on a Core connection: the applicant's ID number."""
    row = _valid_token(db.execute(_TOKEN_BY_HASH, {"token_hash": sha256_hex(raw_token)}).one_or_none(), kiosk)
    if row.method == "staff_assisted":  # what a staff member's word opens is the policy's (gateway.staff_assist)
        from gateway.staff_assist import require_service

        require_service(Session(bind=db), kiosk, settings or GatewaySettings(), path)
    return row.id_number


def applicant(request: Request, db: Db, kiosk: CurrentKiosk, x_applicant_token: TokenHeader) -> ApplicantToken:
    """The verified applicant this kiosk is serving; refuses another kiosk's token and an expired one, and a
    staff-assisted token at a service its kiosk's policy does not open to it."""
    token = check_applicant(db, kiosk, x_applicant_token)
    if token.method == "staff_assisted":
        from gateway.staff_assist import require_service

        require_service(db, kiosk, request.app.state.settings, request.url.path)
    return token


Applicant = Annotated[ApplicantToken, Depends(applicant)]

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=128,
                                       pattern=r"^[\x21-\x7e]+$",
                                       description="A key unique to this state change; a retry reuses it")]


def audit(db, actor: str, action: str, subject: str | None = None, detail: dict | None = None) -> None:
    """Adds an audit entry to the current transaction, Session or Connection (callers never pass personal data)."""
    audit_chain.append(db, actor, action, subject, detail)  # hash-chained: gateway/audit_chain.py
