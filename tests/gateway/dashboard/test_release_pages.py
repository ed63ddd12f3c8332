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
from gateway.models import AuditEntry, KioskCommand
from kiosk.updates.bundle import build_bundle
from kiosk.updates.releases import CONFIG_SCHEMA
from tests.gateway.dashboard.conftest import csrf_of


def small_bundle(tmp_path, version="0.5.0"):
    wheel = tmp_path / f"demo_pkg-{version}-py3-none-any.whl"
    wheel.write_bytes(os.urandom(1_500_000))  # the size of a real release (the gateway does not install it)
    return build_bundle(tmp_path / f"{version}.bundle", [wheel], version, CONFIG_SCHEMA,
                        Ed25519PrivateKey.generate()).read_bytes()


ROLLED_BACK = {"version": "0.4.0", "release": "0.4.0", "update_state": "rolled_back",
               "update_detail": {"failed": "0.5.0", "reason": "health check failed: x"}}


def command_result(client, kiosk, command_id, ok=True):
    event = {"kind": "command_result", "occurred_at": "2026-12-03T21:00:00+00:00",
             "payload": {"command_id": command_id, "ok": ok, "detail": "installed" if ok else "refused"}}
    response = client.post("/v1/kiosk-events", headers={**kiosk, "Idempotency-Key": f"result-{command_id}"},
                           json=event)
    assert response.status_code == 200, response.text


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
    # The hall kiosk installs the release (its command's result comes first), then rolls it back: the rollout
    # pauses before the rest.
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}
    store.advance(db)
    db.rollback()
    command_result(client, bank, db.get(store.Rollout, rollout.id).commands["demo-bank-01"])
    client.post("/v1/heartbeats", headers=bank, json=ROLLED_BACK)
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


def resume_form(client, rollout_id, csrf=None):
    csrf = csrf if csrf is not None else csrf_of(client.get("/dashboard/releases").text)
    return client.post(f"/dashboard/releases/rollouts/{rollout_id}/resume", data={"csrf": csrf},
                       follow_redirects=False)


def test_a_paused_rollout_is_resumed_by_an_operator_and_goes_on(staff, client, hall, credentials, db, tmp_path):
    """Paused on the hall kiosk's rollback; an operator resumes it: that kiosk is sent the release again as a retry,
    its stale failure does not pause the rollout again, and once it reports the release healthy the last stage
    gets it. A viewer, a stale form and a rollout that is not paused change nothing."""
    operator = staff("operator")
    assert upload(operator, small_bundle(tmp_path)).status_code == 303
    db.add(KioskConfigSite(kiosk_id="demo-bank-01", site="hall-z"))
    db.commit()
    rollout_id = store.start_rollout(db, "0.5.0", "demo-hall-01", "hall-z", "operator")
    client.post("/v1/heartbeats", headers=hall, json={"release": "0.5.0", "update_state": "healthy"})
    store.advance(db)
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}
    first = db.get(store.Rollout, rollout_id).commands["demo-bank-01"]
    db.rollback()
    # A failure reported before the install command's result is not taken for one of this rollout yet.
    client.post("/v1/heartbeats", headers=bank, json=ROLLED_BACK)
    store.advance(db)
    db.rollback()
    assert db.get(store.Rollout, rollout_id).state == "running"
    command_result(client, bank, first)
    client.post("/v1/heartbeats", headers=bank, json=ROLLED_BACK)
    store.advance(db)
    db.rollback()
    assert db.get(store.Rollout, rollout_id).state == "paused"
    page = operator.get("/dashboard/releases").text
    assert f'id="resume-{rollout_id}"' in page
    viewer = staff("viewer")
    assert f'id="resume-{rollout_id}"' not in viewer.get("/dashboard/releases").text
    assert resume_form(viewer, rollout_id).status_code == 403
    assert resume_form(operator, rollout_id, csrf="stale-form").status_code == 403
    db.rollback()
    assert db.get(store.Rollout, rollout_id).state == "paused", "a refused resume changes nothing"

    response = resume_form(operator, rollout_id)
    assert response.status_code == 303 and "retrying+on+demo-bank-01" in response.headers["location"]
    db.rollback()
    resumed = db.get(store.Rollout, rollout_id)
    assert resumed.state == "running" and resumed.reason == "" and resumed.stage == 1
    retry = db.get(KioskCommand, resumed.commands["demo-bank-01"])
    assert retry.command_id != first and retry.args == {"version": "0.5.0", "retry": True}
    audit = db.execute(select(AuditEntry).where(AuditEntry.action == "rollout_resumed")).scalar_one()
    assert audit.actor == "staff:operator"
    assert audit.detail == {"rollout": rollout_id, "stage": 1, "retried": ["demo-bank-01"]}
    again = resume_form(operator, rollout_id)
    assert again.status_code == 400 and "not paused" in again.text
    # The kiosk's last heartbeat still says it rolled 0.5.0 back: not a new failure.
    client.post("/v1/heartbeats", headers=bank, json=ROLLED_BACK)
    store.advance(db)
    db.rollback()
    assert db.get(store.Rollout, rollout_id).state == "running"
    command_result(client, bank, retry.command_id)
    client.post("/v1/heartbeats", headers=bank, json={"release": "0.5.0", "update_state": "healthy"})
    store.advance(db)
    db.rollback()
    done_stage = db.get(store.Rollout, rollout_id)
    assert done_stage.state == "running" and done_stage.stage == 2
    last = db.get(KioskCommand, done_stage.commands["demo-locker-01"])
    assert last.kind == "install_update" and last.args == {"version": "0.5.0"}
