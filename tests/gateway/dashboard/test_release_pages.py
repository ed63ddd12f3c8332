"""The dashboard's release pages: an operator uploads a signed bundle and starts a rollout by group; a bad upload
changes nothing; each kiosk's release and update state from its heartbeats; a kiosk downloads the bundle."""
from __future__ import annotations

import io
import os
import tarfile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from gateway import releases as store
from gateway.central_config import KioskConfigSite
from gateway.models import KioskCommand
from kiosk.updates.bundle import build_bundle
from kiosk.updates.releases import CONFIG_SCHEMA
from tests.gateway.dashboard.conftest import csrf_of


def small_bundle(tmp_path, version="0.5.0"):
    wheel = tmp_path / f"demo_pkg-{version}-py3-none-any.whl"
    wheel.write_bytes(os.urandom(1_500_000))  # the size of a real release (the gateway does not install it)
    return build_bundle(tmp_path / f"{version}.bundle", [wheel], version, CONFIG_SCHEMA,
                        Ed25519PrivateKey.generate()).read_bytes()


def upload(client, data, name="release.bundle"):
    csrf = csrf_of(client.get("/dashboard/releases").text)
    return client.post("/dashboard/releases", data={"csrf": csrf}, files={"bundle": (name, data)},
                       follow_redirects=False)


def test_upload_rollout_and_the_kiosk_download(staff, client, hall, credentials, db, tmp_path):
    operator = staff("operator")
    data = small_bundle(tmp_path)
    assert upload(operator, data).status_code == 303
    assert "0.5.0" in operator.get("/dashboard/releases").text
    again = upload(operator, data)
    assert again.status_code == 400 and "already uploaded" in again.text
    download = client.get("/v1/releases/0.5.0/bundle", headers=hall)
    assert download.status_code == 200 and download.content == data
    assert client.get("/v1/releases/0.5.0/bundle").status_code == 401
    assert client.get("/v1/releases/9.9.9/bundle", headers=hall).status_code == 404
    db.add(KioskConfigSite(kiosk_id="demo-bank-01", site="hall-z"))
    db.commit()
    csrf = csrf_of(operator.get("/dashboard/releases").text)
    response = operator.post("/dashboard/releases/rollouts", data={"csrf": csrf, "version": "0.5.0",
                                                                   "test_kiosk": "demo-hall-01", "hall": "hall-z"},
                             follow_redirects=False)
    assert response.status_code == 303
    db.rollback()
    rollout = db.execute(select(store.Rollout)).scalar_one()
    assert rollout.stages == [["demo-hall-01"], ["demo-bank-01"], ["demo-locker-01"]] and rollout.state == "running"
    commands = db.execute(select(KioskCommand).where(KioskCommand.kind == "install_update")).scalars().all()
    assert [(c.kiosk_id, c.args) for c in commands] == [("demo-hall-01", {"version": "0.5.0"})]
    # The test kiosk reports the release healthy: the hall's stage is queued.
    db.rollback()
    client.post("/v1/heartbeats", headers=hall, json={"version": "0.5.0", "release": "0.5.0",
                                                     "update_state": "healthy", "update_detail": {}})
    store.advance(db)
    db.rollback()
    assert db.get(store.Rollout, rollout.id).stage == 1
    page = operator.get("/dashboard/releases").text
    assert 'data-kiosk="demo-hall-01" data-release="0.5.0" data-state="healthy"' in page
    # The hall kiosk rolls the release back: the rollout pauses before the rest.
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}
    client.post("/v1/heartbeats", headers=bank, json={"version": "0.4.0", "release": "0.4.0",
                                                     "update_state": "rolled_back",
                                                     "update_detail": {"failed": "0.5.0",
                                                                       "reason": "health check failed: x"}})
    store.advance(db)
    db.rollback()
    paused = db.get(store.Rollout, rollout.id)
    assert paused.state == "paused" and "demo-bank-01: rolled_back: health check failed" in paused.reason
    kinds = db.execute(select(KioskCommand.kiosk_id).where(KioskCommand.kind == "install_update")).scalars().all()
    assert sorted(kinds) == ["demo-bank-01", "demo-hall-01"], "the last stage never got it"
    assert 'data-state="paused"' in operator.get("/dashboard/releases").text


def test_a_bad_upload_is_refused_and_changes_nothing(staff, db):
    operator = staff("operator")
    for data, words in ((b"not a tar", "not a release bundle"), (b"", "a bundle is 1 byte")):
        response = upload(operator, data)
        assert response.status_code == 400 and words in response.text
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    response = upload(operator, buffer.getvalue())
    assert response.status_code == 400
    db.rollback()
    assert db.execute(select(func.count()).select_from(store.Release)).scalar_one() == 0
    viewer = staff("viewer")
    assert upload(viewer, b"x").status_code == 403
