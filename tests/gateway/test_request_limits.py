"""Hostile clients against a real gateway on loopback: huge bodies, no key, half-open and trickling connections."""
from __future__ import annotations

import dataclasses
import json
import socket
import time

import pytest
import requests

from gateway.request_limits import DEFAULT_BODY_LIMIT
from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway

TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    settings = dataclasses.replace(GatewaySettings(alert_check_interval_s=0), body_read_timeout_s=TIMEOUT_S,
                                   head_read_timeout_s=TIMEOUT_S)
    with LiveGateway(tmp_path_factory.mktemp("limits"), settings=settings) as gw:
        yield gw


def _connect(gw) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
    return sock


def _response(sock: socket.socket) -> tuple[int, bytes]:
    """Reads until the server closes (every refusal here closes the connection); (status, whole response)."""
    data = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    return int(data.split(b" ", 2)[1]), data


def _head(path: str, headers: dict) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _closed_by_server(sock: socket.socket, within_s: float) -> bool:
    sock.settimeout(within_s)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_huge_body_without_a_key_is_refused_before_it_is_read(gateway):
    with _connect(gateway) as sock:
        sock.sendall(_head("/v1/heartbeats", {"Content-Type": "application/json",
                                              "Content-Length": str(200 * 1024 * 1024)}))
        status, data = _response(sock)  # nothing of the body was sent: the answer cannot wait for it
    assert status == 413
    assert b"body_too_large" in data


def test_a_body_without_a_key_is_refused_before_it_is_read(gateway):
    with _connect(gateway) as sock:
        sock.sendall(_head("/v1/heartbeats", {"Content-Type": "application/json", "Content-Length": "1000"}))
        status, data = _response(sock)
    assert status == 401
    assert json.loads(data.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "unauthorized"


def test_a_large_chunked_body_with_an_unknown_key_is_refused_before_it_is_read(gateway):
    with _connect(gateway) as sock:
        sock.sendall(_head("/v1/heartbeats", {"Authorization": "Bearer not-a-kiosk-key",
                                              "Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
        status, data = _response(sock)
    assert status == 401
    assert b"unknown_kiosk" in data


def test_a_chunked_body_over_the_limit_is_cut_off_at_the_limit(gateway):
    key = gateway.api_key("demo-hall-01")
    with _connect(gateway) as sock:
        sock.sendall(_head("/v1/heartbeats", {"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                                              "Transfer-Encoding": "chunked"}))
        chunk = b"x" * 16384
        try:
            for _ in range(DEFAULT_BODY_LIMIT // len(chunk) + 2):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before the client has sent all it wanted to
        status, data = _response(sock)
    assert status == 413


def test_an_upload_route_takes_more_than_the_json_limit(gateway):
    key = gateway.api_key("demo-bank-01") if any(c["kiosk_id"] == "demo-bank-01" for c in gateway.credentials) \
        else gateway.api_key("demo-hall-01")
    body = json.dumps({"signature_png_b64": "A" * (DEFAULT_BODY_LIMIT * 2)})
    response = requests.post(f"{gateway.base_url}/v1/bank/applications/X1/signatures", data=body, timeout=10,
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert response.status_code != 413
    assert response.status_code < 500
    response = requests.post(f"{gateway.base_url}/v1/kiosk-events", data=body, timeout=10,
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert response.status_code == 413


def test_half_open_connections_are_dropped_and_health_answers_meanwhile(gateway):
    idle = [_connect(gateway) for _ in range(40)]
    partial = [_connect(gateway) for _ in range(40)]
    try:
        for sock in partial:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 1")  # a request head that never ends
        assert requests.get(f"{gateway.base_url}/v1/health", timeout=5).status_code == 200
        assert all(_closed_by_server(sock, TIMEOUT_S + 5) for sock in idle + partial)
    finally:
        for sock in idle + partial:
            sock.close()


def test_a_request_head_sent_a_byte_at_a_time_is_dropped(gateway):
    head = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 1000 + b"\r\n\r\n"
    with _connect(gateway) as sock:
        closed = False
        deadline = time.monotonic() + TIMEOUT_S + 5
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if _closed_by_server(sock, 0.05):
                closed = True
                break
            if time.monotonic() > deadline:
                break
        assert closed, "the whole head went through a byte at a time"


def test_a_body_sent_a_byte_at_a_time_is_answered_408_and_dropped(gateway):
    key = gateway.api_key("demo-hall-01")
    with _connect(gateway) as sock:
        sock.sendall(_head("/v1/heartbeats", {"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                                              "Content-Length": "200"}))
        sock.settimeout(0.2)
        data = b""
        deadline = time.monotonic() + TIMEOUT_S + 5
        while not data and time.monotonic() < deadline:
            try:
                sock.sendall(b" ")
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(5)
        status, _ = _response_from(sock, data)
    assert status == 408


def _response_from(sock, data: bytes):
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    return int(data.split(b" ", 2)[1]), data


def test_an_ordinary_heartbeat_still_goes_through(gateway):
    key = gateway.api_key("demo-hall-01")
    response = requests.post(f"{gateway.base_url}/v1/heartbeats", json={"devices": {"printer": "ok"}}, timeout=10,
                             headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text


def test_a_request_head_over_the_cap_is_refused(gateway):
    with _connect(gateway) as sock:
        try:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for _ in range(200):
                sock.sendall(b"X-Padding: " + b"a" * 1000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _ = _response(sock)
    assert status == 400
