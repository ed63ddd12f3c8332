"""Nothing secret in the gateway's database file in clear: signing keys, the cookie key, stored idempotent answers
(pay URLs' secrets, pickup codes, demo digits) and SMS bodies; sealed values open only under the gateway's key."""
from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from gateway.app import create_app
from gateway.audit_chain import use_seal_key
from gateway.dashboard.models import DashboardSecret
from gateway.db import checkpoint_wal, make_engine
from gateway.models import SigningKey
from gateway.pickup import private_key_of
from gateway.secrets_at_rest import SecretUnreadable, seal, unseal
from tests.gateway.dashboard.conftest import sign_in


def _file_bytes(engine) -> bytes:
    checkpoint_wal(engine)
    path = Path(engine.url.database)
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def test_no_secret_is_stored_in_clear(app, client, obama, locker, db, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("reads the SQLite file itself")
    ready = next(c for c in client.get("/v1/cases", headers=obama).json()["cases"]
                 if c["status"] == "certificate_ready")["case_id"]
    deposit = client.post("/v1/lockers/deposits", headers={**locker, "Idempotency-Key": "dep-1"},
                          json={"case_id": ready, "compartment": "A03"}).json()
    payable = next(c for c in client.get("/v1/cases", headers=obama).json()["cases"]
                   if c["status"] == "tax_assessed")["case_id"]
    order = client.post("/v1/payment-orders", headers={**obama, "Idempotency-Key": "pay-1"},
                        json={"case_id": payable}).json()
    pay_secret = urlparse(order["pay_url"]).query.split("=", 1)[1]
    with TestClient(app) as browser:  # a staff sign-in makes the cookie key
        assert sign_in(browser, "viewer", "viewer-demo-pass").status_code == 303
    key_row = db.execute(select(SigningKey)).scalars().first()
    private = private_key_of(key_row).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    from gateway.dashboard.auth import _signing_key
    with app.state.sessionmaker() as session:
        cookie_key = _signing_key(session)
    db.rollback()
    raw = _file_bytes(app.state.engine)
    for secret in (private, cookie_key, cookie_key.hex().encode(), pay_secret.encode(), deposit["qr"].encode(),
                   deposit["digits"].encode(), base64.b64encode(private)):
        assert secret not in raw
    # ...and the answers still replay whole.
    again = client.post("/v1/lockers/deposits", headers={**locker, "Idempotency-Key": "dep-1"},
                        json={"case_id": ready, "compartment": "A03"})
    assert again.json() == deposit and again.headers["Idempotent-Replay"] == "true"
    assert client.post("/v1/payment-orders", headers={**obama, "Idempotency-Key": "pay-1"},
                       json={"case_id": payable}).json()["pay_url"] == order["pay_url"]


def test_keys_left_in_clear_by_an_older_gateway_are_sealed_on_use(app, client, locker, db):
    from gateway.pickup import ensure_signing_key

    with app.state.sessionmaker() as session:
        key = ensure_signing_key(session)
        session.commit()
        private = private_key_of(key).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        session.execute(text("UPDATE signing_keys SET private_key = :raw"), {"raw": private})  # as 0.x stored it
        session.execute(text("UPDATE dashboard_secrets SET value = :v WHERE name = 'cookie_key'"), {"v": "ab" * 32})
        session.commit()
    with app.state.sessionmaker() as session:
        again = ensure_signing_key(session)
        session.commit()
        assert bytes(again.private_key).startswith(b"enc1:")
        assert private_key_of(again).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()) == private
    from gateway.dashboard.auth import _signing_key
    with app.state.sessionmaker() as session:
        _signing_key(session)
    db.rollback()
    assert db.get(DashboardSecret, "cookie_key").value.startswith("enc1:")


def test_a_sealed_secret_opens_only_for_its_purpose_and_key():
    sealed = seal(b"the secret", "pickup-signing-key:k1")
    assert unseal(sealed, "pickup-signing-key:k1") == b"the secret"
    with pytest.raises(SecretUnreadable, match="cannot be opened"):
        unseal(sealed, "pickup-signing-key:k2")
    use_seal_key("another gateway's audit key")
    try:
        with pytest.raises(SecretUnreadable, match="cannot be opened with this gateway's audit key"):
            unseal(sealed, "pickup-signing-key:k1")
    finally:
        use_seal_key("demo-audit-seal-key")


def test_the_database_file_is_created_private(tmp_path, settings):
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'gateway.db'}")
    app = create_app(dataclasses.replace(settings), engine=engine)
    with TestClient(app) as client:
        assert client.get("/v1/health").status_code == 200
    for name in ("gateway.db", "gateway.db-wal", "gateway.db-shm"):
        path = tmp_path / "var" / name
        if path.exists():
            assert path.stat().st_mode & 0o777 == 0o600, name
    engine.dispose()
