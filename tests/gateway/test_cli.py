"""`kiosk-gateway --demo` as the demo script runs it (a real process on a free port), and the admin commands."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import text

from gateway import cli
from gateway.db import make_engine
from gateway.testing import free_port
from tests.gateway.conftest import OBAMA, PG_URL
from tests.pg_schemas import drop_schema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'gateway.db'}"
        return
    if not PG_URL:
        pytest.skip("KIOSK_TEST_PG_URL is not set")
    schema = "cli_" + uuid.uuid4().hex[:10]
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
    drop_schema(admin, schema)
    admin.dispose()


def test_demo_start_seeds_prints_credentials_and_serves(tmp_path, database_url):
    port = free_port()
    creds_path = tmp_path / "creds.json"
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "--demo", "--host", "127.0.0.1", "--port",
                                str(port), "--database", database_url, "--credentials-out", str(creds_path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/v1/health", timeout=1).json() == {"status": "ok"}:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "gateway did not come up"
            time.sleep(0.2)
        credentials = json.loads(creds_path.read_text())
        assert [(c["kiosk_id"], c["site_kind"]) for c in credentials] == [
            ("demo-hall-01", "hall"), ("demo-bank-01", "bank"), ("demo-locker-01", "locker")]
        hall = {"Authorization": f"Bearer {credentials[0]['api_key']}"}
        token = requests.post(f"{base}/v1/applicant-tokens", headers=hall, timeout=5,
                              json={"id_number": OBAMA, "method": "card_only_demo", "score": None}).json()["token"]
        cases = requests.get(f"{base}/v1/cases", headers={**hall, "X-Applicant-Token": token}, timeout=5).json()
        assert len(cases["cases"]) >= 8
        # The demo made its seal CA at start (beside its database): proofs come sealed.
        proof = requests.post(f"{base}/v1/proofs", json={"kind": "property_record"}, timeout=5, headers={
            **hall, "X-Applicant-Token": token, "Idempotency-Key": uuid.uuid4().hex}).json()
        document = requests.get(proof["document_url"], headers={**hall, "X-Applicant-Token": token}, timeout=30)
        assert document.status_code == 200 and b"/ByteRange" in document.content
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    assert json.loads(out[out.index("["):out.rindex("]") + 1]) == credentials  # printed as well
    assert OBAMA not in err and OBAMA not in out


def _production_args(tmp_path, *extra):
    key = tmp_path / "audit.key"
    key.write_text("a-long-enough-audit-secret")
    key.chmod(0o600)  # a looser audit key file is refused first
    return ["--production", "--tls-cert", str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "c.key"),
            "--tls-client-ca", str(tmp_path / "ca.pem"), "--audit-key-file", str(key),
            "--database", f"sqlite:///{tmp_path / 'g.db'}", "--port", str(free_port()), *extra]


def test_production_needs_a_seal_and_a_real_tsa(tmp_path, capsys):
    assert cli.main(_production_args(tmp_path)) == 1
    assert "--production needs --seal-dir and --seal-tsa-url" in capsys.readouterr().err


def test_production_refuses_the_demo_tsa_and_a_loose_seal_key(tmp_path, capsys):
    from gateway import seal_pki

    pki = seal_pki.create_seal_pki(tmp_path / "seal", "中心", "http://127.0.0.1:9/seal/ca.crl")
    args = _production_args(tmp_path, "--seal-dir", str(pki), "--seal-tsa-url", "http://127.0.0.1:9/tsa")
    assert cli.main(args) == 1
    assert "holds the demo TSA key tsa.key" in capsys.readouterr().err
    (pki / seal_pki.TSA_KEY).unlink()
    (pki / seal_pki.CA_KEY).unlink()
    os.chmod(pki / seal_pki.SEAL_KEY, 0o644)
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "seal key file" in err and "readable by others" in err and len(err.strip().splitlines()) == 1


def test_production_with_demo_never_makes_the_demo_seal(tmp_path, capsys):
    # --demo --production is refused (test_demo_is_refused_with_production_or_public) before any demo seal is made.
    assert cli.main(_production_args(tmp_path, "--demo")) == 1
    assert "--demo cannot be combined with --production" in capsys.readouterr().err
    assert not (tmp_path / "seal").exists() and not (tmp_path / "var" / "seal").exists()


def test_admin_commands(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert cli.main(["--database", url, "add-kiosk", "hall-07", "--site-kind", "hall"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["kiosk_id"] == "hall-07" and len(created["api_key"]) > 30
    assert cli.main(["--database", url, "queue-command", "hall-07", "reload_config"]) == 0
    assert capsys.readouterr().out.startswith("C")
    assert cli.main(["--database", url, "queue-command", "nope", "reload_config"]) == 1
    assert "no kiosk" in capsys.readouterr().err
    assert cli.main(["--database", url, "queue-command", "hall-07", "format_disk"]) == 1
    assert cli.main(["--database", url, "add-kiosk", "bad id!", "--site-kind", "hall"]) == 1


def test_unreachable_database_is_one_line(tmp_path, capsys):
    assert cli.main(["--database", "postgresql+psycopg://nobody@127.0.0.1:1/none", "--port", str(free_port()),
                     "--audit-key-file", str(_key_file(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kiosk-gateway: cannot open the database") and err.count("\n") == 1


def test_tls_options():
    import ssl
    from pathlib import Path

    assert cli.tls_options(None, None, None) == {}
    with pytest.raises(SystemExit, match=r"--tls-key and --tls-client-ca need --tls-cert"):
        cli.tls_options(None, Path("key.pem"), None)
    options = cli.tls_options(Path("cert.pem"), Path("key.pem"), Path("ca.pem"))
    assert options["ssl_cert_reqs"] == ssl.CERT_REQUIRED and options["ssl_ca_certs"] == "ca.pem"


def test_logging_follows_stderr_swapped_after_set_up(monkeypatch):
    """An in-process command sets logging up on the stderr of its moment; a later one (another test's capture)
    must get the records, not a closed stream."""
    import io
    import logging
    import sys

    from gateway.cli import configure_logging

    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    at_set_up, now = io.StringIO(), io.StringIO()
    try:
        monkeypatch.setattr(sys, "stderr", at_set_up)
        configure_logging("INFO")
        monkeypatch.setattr(sys, "stderr", now)
        at_set_up.close()
        logging.getLogger("gateway.test").warning("kiosk 110105196108041235 silent")
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
    assert "silent" in now.getvalue() and "Logging error" not in now.getvalue()
    assert "110105196108041235" not in now.getvalue()


def _key_file(tmp_path, mode=0o600):
    path = tmp_path / "audit.key"
    path.write_text("a production audit secret\n")
    path.chmod(mode)
    return path


def test_demo_is_refused_with_production_or_public(tmp_path, capsys):
    key = _key_file(tmp_path)
    tls = ["--tls-cert", "x.pem", "--tls-key", "x.key", "--tls-client-ca", "ca.pem"]
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert cli.main(["--demo", "--production", *tls, "--audit-key-file", str(key), "--database", url]) == 1
    assert "--demo cannot be combined with --production" in capsys.readouterr().err
    assert cli.main(["--demo", "--public", "--audit-key-file", str(key), "--database", url]) == 1
    assert "--demo cannot be combined with --public" in capsys.readouterr().err
    assert not (tmp_path / "g.db").exists()  # refused before anything was created


def test_demo_data_is_never_seeded_into_a_database_with_real_kiosks(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert cli.main(["--database", url, "add-kiosk", "hall-07", "--site-kind", "hall"]) == 0
    capsys.readouterr()
    assert cli.main(["--demo", "--database", url, "--port", str(free_port())]) == 1
    refusal = [line for line in capsys.readouterr().err.splitlines() if line.startswith("kiosk-gateway:")]
    assert len(refusal) == 1 and "kiosks that are not demo kiosks" in refusal[0]
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM persons")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM kiosks WHERE demo")).scalar_one() == 0
    engine.dispose()


def test_a_loose_audit_key_file_is_refused(tmp_path, capsys):
    key = _key_file(tmp_path, 0o644)
    assert cli.main(["--audit-key-file", str(key), "--database", f"sqlite:///{tmp_path / 'g.db'}"]) == 1
    err = capsys.readouterr().err
    assert "readable by other users" in err and "chmod 600" in err and err.count("\n") == 1
    os.environ.pop(cli.AUDIT_KEY_ENV, None)
    try:
        os.environ[cli.AUDIT_KEY_ENV] = str(key)
        assert cli.main(["--database", f"sqlite:///{tmp_path / 'g.db'}", "migrate"]) == 1
        assert "readable by other users" in capsys.readouterr().err
    finally:
        os.environ.pop(cli.AUDIT_KEY_ENV, None)


def test_a_shared_database_needs_the_audit_key(tmp_path, capsys):
    assert cli.main(["--public", "--database", f"sqlite:///{tmp_path / 'g.db'}"]) == 1
    assert "--audit-key-file is required" in capsys.readouterr().err
    assert cli.main(["--database", "postgresql+psycopg://gateway@127.0.0.1:1/registry"]) == 1
    assert "--audit-key-file is required" in capsys.readouterr().err


def test_serving_is_refused_on_a_chain_sealed_with_another_key(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    monkeypatch.setenv(cli.AUDIT_KEY_ENV, str(_key_file(tmp_path)))
    assert cli.main(["--database", url, "add-kiosk", "hall-07", "--site-kind", "hall"]) == 0
    monkeypatch.delenv(cli.AUDIT_KEY_ENV)
    capsys.readouterr()
    assert cli.main(["--database", url, "--port", str(free_port())]) == 1
    assert "sealed with another key" in capsys.readouterr().err


def test_the_database_and_credentials_files_are_private(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'var' / 'g.db'}"
    assert cli.main(["--database", url, "add-kiosk", "hall-07", "--site-kind", "hall"]) == 0
    for name in ("g.db", "g.db-wal", "g.db-shm"):
        path = tmp_path / "var" / name
        if path.exists():
            assert path.stat().st_mode & 0o777 == 0o600, name
    assert (tmp_path / "var" / "g.db").exists()
