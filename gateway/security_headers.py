"""Response headers that protect browsers: CSP and frame protection on the public pages, HSTS in production."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# The pages a phone or a verifier opens: inline styles only (gateway/templates/base.html), no scripts, no frames.
PAGE_PREFIXES = ("/pay/", "/verify/", "/invoices/", "/e-certificates/", "/cases/")
PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # a pay or download URL carries its secret: never hand it to another site
}
HSTS = ("strict-transport-security", "max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Pure ASGI middleware: adds PAGE_HEADERS to the public pages and HSTS to every answer in production."""

    def __init__(self, app, *, production: bool):
        self.app = app
        self.production = production

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        extra = self._always()
        if path.startswith(PAGE_PREFIXES):
            extra += [(k.encode(), v.encode()) for k, v in PAGE_HEADERS.items()]

        async def send_with_headers(message):
            if message["type"] == "http.response.start" and extra:
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": list(message.get("headers", []))
                           + [(k, v) for k, v in extra if k not in present]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)

    def _always(self) -> list[tuple[bytes, bytes]]:
        return [(HSTS[0].encode(), HSTS[1].encode())] if self.production else []
