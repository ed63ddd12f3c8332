"""Mutual TLS on loopback with real certificates from scripts/kiosk_ca.py: the kiosk is identified by its client
certificate, a wrong or missing certificate on either side is refused, plain HTTP gets nothing in production mode."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from gateway.tls import common_name, uvicorn_options
from kiosk.platform_client import PlatformClient, PlatformRejected, PlatformUnavailable
from tests.gateway.conftest import OBAMA

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("kiosk_ca", ROOT / "scripts" / "kiosk_ca.py")
kiosk_ca = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kiosk_ca)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    base = tmp_path_factory.mktemp("pki")
    good, rogue = base / "ca", base / "rogue"
    for d in (good, rogue):
        kiosk_ca.create_ca(d)
        kiosk_ca.issue_server(d, ["localhost"], ["127.0.0.1"])
        kiosk_ca.issue_kiosk(d, "demo-hall-01")
    kiosk_ca.issue_kiosk(good, "demo-bank-01")
    return {"ca": good, "rogue": rogue}


@pytest.fixture(scope="module")
def gateway(pki, tmp_path_factory):
    ca = pki["ca"]
    settings = GatewaySettings(require_client_cert=True)
    live = LiveGateway(tmp_path_factory.mktemp("gw"), settings=settings,
                       tls=uvicorn_options(ca / "server.pem", ca / "server.key", ca / "ca.pem"))
    with live:
        yield live


def client(gateway, cert_dir, kiosk_id="demo-hall-01", api_key_of="demo-hall-01", ca=None):
    cert = (str(cert_dir / "kiosks" / f"{kiosk_id}.pem"), str(cert_dir / "kiosks" / f"{kiosk_id}.key")) \
        if cert_dir else None
    return PlatformClient(gateway.base_url, gateway.api_key(api_key_of), timeout_s=5, client_cert=cert,
                          ca_cert=str(ca), retries=0)


def test_kiosk_with_its_certificate_is_served(gateway, pki):
    c = client(gateway, pki["ca"], ca=pki["ca"] / "ca.pem")
    assert c.health() is not None
    token = c.issue_applicant_token(OBAMA, "card_only_demo", 1.0)
    assert token and isinstance(c.list_cases(token), tuple)
    c.close()


def test_certificate_of_another_kiosk_is_refused(gateway, pki):
    c = client(gateway, pki["ca"], kiosk_id="demo-bank-01", api_key_of="demo-hall-01", ca=pki["ca"] / "ca.pem")
    with pytest.raises(PlatformRejected, match=r"client certificate does not belong to this kiosk") as refused:
        c.issue_applicant_token(OBAMA, "card_only_demo", 1.0)
    assert refused.value.code == "certificate_mismatch" and refused.value.status == 403
    c.close()


def test_no_client_certificate_is_refused_at_the_handshake(gateway, pki):
    c = client(gateway, None, ca=pki["ca"] / "ca.pem")
    # The server drops the handshake; with TLS 1.3 the client sees that as a reset or as the server's alert.
    with pytest.raises(PlatformUnavailable, match=r"^(ConnectionError|SSLError)$"):
        c.health()
    c.close()


def test_client_certificate_from_another_ca_is_refused(gateway, pki):
    c = client(gateway, pki["rogue"], ca=pki["ca"] / "ca.pem")
    with pytest.raises(PlatformUnavailable, match=r"^(ConnectionError|SSLError)$"):  # a reset or the alert, as above
        c.health()
    c.close()


def test_kiosk_refuses_a_server_its_pinned_ca_did_not_sign(pki, tmp_path):
    """A gateway impersonator with a certificate from another CA: the kiosk stops at the handshake, sends nothing."""
    rogue = pki["rogue"]
    impostor = LiveGateway(tmp_path, tls=uvicorn_options(rogue / "server.pem", rogue / "server.key", None))
    with impostor:
        c = client(impostor, pki["ca"], ca=pki["ca"] / "ca.pem")
        with pytest.raises(PlatformUnavailable, match=r"^SSLError$"):
            c.issue_applicant_token(OBAMA, "card_only_demo", 1.0)
        c.close()


def test_plain_http_to_the_tls_port_gets_no_answer(gateway):
    plain = gateway.base_url.replace("https://", "http://")
    with pytest.raises(requests.RequestException, match=r"Connection aborted"):
        requests.get(plain + "/v1/health", timeout=30)


def test_production_mode_refuses_kiosk_calls_without_a_certificate(tmp_path):
    """Served without TLS by mistake (or behind a plain proxy): every kiosk API call is refused, nothing leaks."""
    settings = GatewaySettings(database_url=f"sqlite:///{tmp_path / 'g.db'}", require_client_cert=True)
    with TestClient(create_app(settings)) as plain:
        refused = plain.post("/v1/applicant-tokens", headers={"Authorization": "Bearer x"},
                             json={"id_number": OBAMA, "method": "card_only_demo"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "client_certificate_required"
        assert plain.get("/v1/health").status_code == 403


def test_production_mode_over_plain_http_refuses_even_a_request_claiming_https(tmp_path):
    """A real server without TLS in production mode (a misconfigured deployment): uvicorn trusts X-Forwarded-Proto
    from loopback, but only a verified TLS client certificate lets a kiosk call through; the public pages stay up."""
    settings = GatewaySettings(require_client_cert=True)
    with LiveGateway(tmp_path, settings=settings) as plain:
        forged = {"Authorization": f"Bearer {plain.api_key('demo-hall-01')}", "X-Forwarded-Proto": "https",
                  "X-Forwarded-For": "127.0.0.1", "X-SSL-Client-CN": "demo-hall-01"}
        refused = requests.get(plain.base_url + "/v1/cases", headers=forged, timeout=30)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "client_certificate_required"
        token = requests.post(plain.base_url + "/v1/applicant-tokens", headers=forged, timeout=30,
                              json={"id_number": OBAMA, "method": "card_only_demo", "score": None})
        assert token.status_code == 403
        assert requests.get(plain.base_url + "/dashboard/login", timeout=30).status_code == 200


def test_peer_certificate_name_is_read():
    assert common_name({"subject": ((("countryName", "CN"),), (("commonName", "demo-hall-01"),))}) == "demo-hall-01"
    assert common_name(None) is None and common_name({}) is None


def test_production_flag_needs_all_tls_options():
    gateway_cmd = str(Path(sys.executable).parent / "kiosk-gateway")
    result = subprocess.run([gateway_cmd, "--production", "--tls-cert", "x.pem"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1 and "--production needs" in result.stderr


def test_production_flag_needs_an_audit_key(tmp_path):
    gateway_cmd = str(Path(sys.executable).parent / "kiosk-gateway")
    tls = ["--tls-cert", "x.pem", "--tls-key", "x.key", "--tls-client-ca", "ca.pem"]
    result = subprocess.run([gateway_cmd, "--production", *tls], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "--production needs --audit-key-file" in result.stderr
    (tmp_path / "short.key").write_text("short")
    (tmp_path / "short.key").chmod(0o600)
    result = subprocess.run([gateway_cmd, "--production", *tls, "--audit-key-file", str(tmp_path / "short.key")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "at least 16 characters" in result.stderr and "Traceback" not in result.stderr


def test_production_gateway_command_end_to_end(pki, tmp_path):
    """`kiosk-gateway --production` as an operator starts it (kiosks registered with `add-kiosk`, no --demo, which
    production refuses): the kiosk gets in with its certificate only."""
    import json
    import os
    import time

    from gateway.testing import free_port

    from gateway import seal_pki
    from tests.gateway.sealing import LoopbackTsa, copy_pki, make_pki

    ca, port = pki["ca"], free_port()
    # Production's seal: a seal folder without the CA's or a TSA's key, and a TSA over HTTP (here on loopback).
    seal_ca = make_pki(tmp_path / "seal-ca")
    seal_dir = copy_pki(seal_ca, tmp_path / "seal")
    (seal_dir / seal_pki.TSA_KEY).unlink()
    (seal_dir / seal_pki.CA_KEY).unlink()
    tsa = LoopbackTsa(seal_ca).__enter__()
    audit_key = tmp_path / "audit.key"
    audit_key.write_text("a production audit secret\n")
    audit_key.chmod(0o600)
    keys = {}
    for kiosk_id, kind in (("demo-hall-01", "hall"), ("demo-bank-01", "bank")):  # the CA's kiosk certificates
        added = subprocess.run([str(Path(sys.executable).parent / "kiosk-gateway"), "--database",
                                f"sqlite:///{tmp_path / 'g.db'}", "add-kiosk", kiosk_id, "--site-kind", kind],
                               capture_output=True, text=True, timeout=60,
                               env={**os.environ, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(audit_key)})
        assert added.returncode == 0, added.stderr
        keys[kiosk_id] = json.loads(added.stdout)["api_key"]
    command = [str(Path(sys.executable).parent / "kiosk-gateway"), "--production", "--host", "127.0.0.1",
               "--port", str(port), "--database", f"sqlite:///{tmp_path / 'g.db'}", "--tls-cert", str(ca / "server.pem"),
               "--tls-key", str(ca / "server.key"), "--tls-client-ca", str(ca / "ca.pem"),
               "--audit-key-file", str(audit_key), "--seal-dir", str(seal_dir), "--seal-tsa-url", tsa.url]
    log = open(tmp_path / "gateway.log", "w")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    cert = (str(ca / "kiosks" / "demo-hall-01.pem"), str(ca / "kiosks" / "demo-hall-01.key"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"https://127.0.0.1:{port}/v1/health", cert=cert, verify=str(ca / "ca.pem"),
                                      timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, (tmp_path / "gateway.log").read_text()
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.2)
        assert answer.json() == {"status": "ok"}
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        hall = PlatformClient(f"https://127.0.0.1:{port}", keys["demo-hall-01"], client_cert=cert,
                              ca_cert=str(ca / "ca.pem"), retries=0)
        assert hall.heartbeat({"devices": {"printer": "ok"}}) == []
        assert hall.payment_channels() == []  # no payment config: no channel
        hall.close()
        bank = PlatformClient(f"https://127.0.0.1:{port}", keys["demo-bank-01"], client_cert=cert,
                              ca_cert=str(ca / "ca.pem"), retries=0)
        with pytest.raises(PlatformRejected, match=r"client certificate does not belong to this kiosk") as refused:
            bank.heartbeat({"devices": {"printer": "ok"}})
        assert refused.value.code == "certificate_mismatch"
        bank.close()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()
        tsa.__exit__(None, None, None)
    # What the production gateway appended is sealed with its key file, not the demo key.

    def verify(env):
        return subprocess.run([str(Path(sys.executable).parent / "kiosk-gateway"), "--database",
                               f"sqlite:///{tmp_path / 'g.db'}", "audit-verify"], capture_output=True, text=True,
                              timeout=60, env=env)

    plain_env = {k: v for k, v in os.environ.items() if k != "KIOSK_GATEWAY_AUDIT_KEY_FILE"}
    assert verify({**plain_env, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(audit_key)}).returncode == 0
    assert "head_broken" in verify(plain_env).stdout
