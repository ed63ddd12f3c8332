"""Mutual TLS for the kiosk link: the verified client certificate's CN reaches the app, and in production mode every
/v1 call must come over TLS with a certificate whose CN is the kiosk the API key belongs to.

uvicorn (0.54 here) puts no TLS information into the ASGI scope, so `PeerCertProtocol` (uvicorn's own HTTP/1.1
protocol, subclassed) reads the peer certificate from the connection's `ssl_object` when the connection is made and
adds it to every request's scope as the ASGI TLS extension: scope["extensions"]["tls"]["client_cert_name"].
`ClientCertMiddleware` refuses /v1 requests without one and publishes the CN to `authenticate_in` (gateway.deps)
through a context variable, so the hot paths that authenticate in their own transaction check it too.
"""
from __future__ import annotations

import json
import logging
import ssl
from contextvars import ContextVar
from pathlib import Path

from gateway.slow_clients import GuardedHttpProtocol

logger = logging.getLogger(__name__)

# The CN of the verified client certificate of the request being handled (None: no certificate / plain HTTP).
peer_cert_name: ContextVar[str | None] = ContextVar("peer_cert_name", default=None)


def common_name(peercert: dict | None) -> str | None:
    """The subject CN from ssl.SSLSocket.getpeercert() (only filled in for a certificate the CA verified)."""
    for rdn in (peercert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class PeerCertProtocol(GuardedHttpProtocol):  # type: ignore[misc, valid-type]
    """The gateway's HTTP protocol (request-head deadline), adding the verified client certificate's CN to each request's scope."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        name = common_name(ssl_object.getpeercert()) if ssl_object is not None else None
        if name is None:
            return
        inner = self.app

        async def app_with_cert(scope, receive, send):
            if scope["type"] in ("http", "websocket"):
                extensions = dict(scope.get("extensions") or {})
                extensions["tls"] = {**extensions.get("tls", {}), "client_cert_name": name}
                scope = {**scope, "extensions": extensions}
            await inner(scope, receive, send)

        self.app = app_with_cert


def uvicorn_options(cert: Path | None, key: Path | None, client_ca: Path | None) -> dict:
    """uvicorn.Config options: the certificate, and with a client CA, client certificates required and the CN read."""
    if not cert:
        return {}
    options: dict = {"ssl_certfile": str(cert), "ssl_keyfile": str(key) if key else None}
    if client_ca:
        options.update(ssl_ca_certs=str(client_ca), ssl_cert_reqs=ssl.CERT_REQUIRED, http=PeerCertProtocol)
    return options


class ClientCertMiddleware:
    """Production mode: /v1 (the kiosk API) only over mutual TLS; the CN is checked against the API key later."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        name = ((scope.get("extensions") or {}).get("tls") or {}).get("client_cert_name")
        if scope.get("scheme") != "https" or not name:
            logger.warning("refused a kiosk API call without a client certificate from %s",
                           (scope.get("client") or ("?",))[0])
            body = json.dumps({"error": {"code": "client_certificate_required",
                                         "message": "Kiosks must connect over TLS with their client certificate."}})
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        token = peer_cert_name.set(name)
        try:
            await self.app(scope, receive, send)
        finally:
            peer_cert_name.reset(token)
