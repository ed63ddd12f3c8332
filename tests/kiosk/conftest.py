"""Fixtures shared by the kiosk core's tests: a gateway stand-in that fails on purpose."""
from __future__ import annotations

import http.server
import threading

import pytest


@pytest.fixture
def failing_server():
    """A server that answers every request with 503: (its URL, the calls as (method, path, idempotency key,
    staff token))."""
    calls = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _fail(self):
            calls.append((self.command, self.path, self.headers.get("Idempotency-Key"),
                          self.headers.get("X-Staff-Token")))
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            body = b'{"error": {"code": "unavailable", "message": "down"}}'
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _fail

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", calls
    server.shutdown()
    server.server_close()
    thread.join(2)
