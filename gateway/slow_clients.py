"""The HTTP connection protocol the gateway serves with: uvicorn's httptools protocol plus a request-head deadline
and size cap, so half-open and trickling connections are dropped (the body deadline is gateway.request_limits')."""
from __future__ import annotations

import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)

HEAD_TIMEOUT_S = 10.0  # from the connection (or the first byte of a keep-alive request) to the end of its headers
MAX_HEAD_BYTES = 64 * 1024  # request line and headers
# At most this many connections and requests at once per process (uvicorn answers 503 beyond): with each request's
# body bounded (gateway.request_limits) this bounds the memory a flood of clients can take.
LIMIT_CONCURRENCY = 1000


class GuardedHttpProtocol(HttpToolsProtocol):
    """Closes a connection whose request head is not complete HEAD_TIMEOUT_S after it began, or exceeds
    MAX_HEAD_BYTES. The class attributes are the defaults; uvicorn_options() makes a subclass with others."""

    head_timeout_s = HEAD_TIMEOUT_S
    max_head_bytes = MAX_HEAD_BYTES

    def connection_made(self, transport) -> None:
        self._head_timer = None
        self._head_bytes = 0
        self._in_head = True
        super().connection_made(transport)
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            logger.info("dropped a connection whose request head took over %g s", self.head_timeout_s)
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Counted after parsing: a read that completes the head may carry the start of the body too.
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._cancel_head_timer()
                self.send_400_response("Request head too large.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_head:  # the next request on a keep-alive connection
            self._in_head, self._head_bytes = True, 0
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)


def uvicorn_options(head_timeout_s: float = HEAD_TIMEOUT_S) -> dict:
    """The uvicorn.Config options every gateway server uses (the CLI's and tests' LiveGateway)."""
    protocol = GuardedHttpProtocol
    if head_timeout_s != GuardedHttpProtocol.head_timeout_s:
        protocol = type("GuardedHttpProtocol", (GuardedHttpProtocol,), {"head_timeout_s": head_timeout_s})
    return {"http": protocol, "limit_concurrency": LIMIT_CONCURRENCY, "timeout_keep_alive": 5}
