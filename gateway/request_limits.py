"""Request bodies: a size limit per route, credentials checked before a kiosk API body is read, a body read deadline."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time

from sqlalchemy import select

from gateway.db import READ_ONLY, run_db

logger = logging.getLogger(__name__)

DEFAULT_BODY_LIMIT = 64 * 1024  # every JSON call and form post
# Routes that carry an upload get more, and only they: (path pattern, limit in bytes).
UPLOAD_LIMITS = (
    (re.compile(r"^/v1/bank/applications/[^/]+/signatures$"), 1024 * 1024),  # a signature PNG (512 KiB) in base64
    # A sealed PDF uploaded to the public check (gateway.routers.pages MAX_UPLOAD_BYTES, plus the form's framing).
    (re.compile(r"^/verify$"), 10 * 1024 * 1024 + 64 * 1024),
    # A release bundle uploaded by staff (gateway.releases.MAX_BUNDLE_BYTES, plus the form's framing).
    (re.compile(r"^/dashboard/releases$"), 64 * 1024 * 1024 + 64 * 1024),
    # A kiosk's screenshot (gateway.remote_view.MAX_PNG_BYTES).
    (re.compile(r"^/v1/kiosk-screenshots/[^/]+$"), 2 * 1024 * 1024),
    # One chunk of an application material (gateway.routers.material_uploads CHUNK_MAX).
    (re.compile(r"^/v1/material-uploads/[0-9a-f]+/chunks/[0-9]+$"), 512 * 1024),
)
# A body above this size is read only once its API key is known to belong to a kiosk (one indexed read); smaller
# ones are cheaper to read than to look up twice, so the hot paths (heartbeats) keep their single lookup.
CHECK_KEY_ABOVE = 4 * 1024
# Kiosk API paths that take a body without an API key: none today (the provider's notification is not under /v1).
UNAUTHENTICATED_API = frozenset({"/v1/health"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def body_limit(path: str) -> int:
    for pattern, limit in UPLOAD_LIMITS:
        if pattern.match(path):
            return limit
    return DEFAULT_BODY_LIMIT


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


async def _send_error(send, refused: _Refused) -> None:
    body = json.dumps({"error": {"code": refused.code, "message": refused.message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]  # the rest of the body is never read: the connection goes with it
    headers += [(k.lower().encode(), v.encode()) for k, v in refused.headers.items()]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _bearer(headers: dict[bytes, bytes]) -> str | None:
    value = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, key = value.partition(" ")
    return key.strip() or None if scheme.lower() == "bearer" else None


def _key_belongs_to_a_kiosk(engine, api_key: str) -> bool:
    from gateway.deps import _KIOSK_BY_KEY, sha256_hex

    with engine.connect() as db:
        db.execution_options(**{READ_ONLY: True})
        return db.execute(_KIOSK_BY_KEY, {"key_hash": sha256_hex(api_key)}).first() is not None


class RequestBodyGuard:
    """Pure ASGI middleware in front of the app: refuses a body over its route's limit from Content-Length alone,
    refuses a kiosk API body with no API key (and a large one with an unknown key) before reading any of it, and
    reads the body itself under one deadline, so a slow client cannot hold a request open; the app then gets the
    body from memory (at most the limit per request)."""

    def __init__(self, app, *, body_timeout_s: float = 10.0):
        self.app = app
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            body = await self._read_body(scope, receive)
        except _Refused as refused:
            logger.warning("request to %s refused before its body: %s", scope["path"][:80], refused.code)
            return await _send_error(send, refused)
        if body is None:  # the client went away
            return None
        return await self.app(scope, replay(body, receive), send)

    async def _read_body(self, scope, receive) -> bytes | None:
        path, method = scope["path"], scope["method"]
        headers = dict(scope["headers"])
        limit = body_limit(path)
        length = None
        if b"content-length" in headers:
            raw = headers[b"content-length"]
            if not raw.isdigit() or len(raw) > 18:
                raise _Refused(400, "bad_request", "The Content-Length header is not a number.")
            length = int(raw)
            if length > limit:
                raise _Refused(413, "body_too_large", f"The request body is over this route's limit of {limit} bytes.")
        has_body = length != 0 and (length is not None or b"transfer-encoding" in headers)
        if not has_body:
            return b""
        if path.startswith("/v1/") and path not in UNAUTHENTICATED_API and method in _BODY_METHODS:
            api_key = _bearer(headers)
            if api_key is None:
                raise _Refused(401, "unauthorized", "Send the kiosk's API key as 'Authorization: Bearer <key>'.",
                               {"WWW-Authenticate": "Bearer"})
            if length is None or length > CHECK_KEY_ABOVE:
                engine = scope["app"].state.engine
                if not await run_db(engine, _key_belongs_to_a_kiosk, engine, api_key):
                    raise _Refused(401, "unknown_kiosk", "The API key does not belong to any kiosk.",
                                   {"WWW-Authenticate": "Bearer"})
        chunks, size = [], 0
        deadline = time.monotonic() + self.body_timeout_s
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                raise _Refused(408, "body_timeout",
                               f"The request body did not arrive within {self.body_timeout_s:g} s.") from None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refused(413, "body_too_large", f"The request body is over this route's limit of {limit} bytes.")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def replay(body: bytes, receive):
    """An ASGI receive that hands out `body` (read already) as one message, then whatever `receive` has next."""
    sent = False

    async def receive_again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return receive_again
