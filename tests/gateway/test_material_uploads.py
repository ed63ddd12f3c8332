"""Resumable chunked material upload: chunks in order, resume, a repeated chunk not doubled, the hash verified,
blobs encrypted at rest, a real gateway restarted mid-upload; the blob store against a real S3-compatible server."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from gateway.material_store import EncryptedBlobStore, FilesystemBlobStore, S3BlobStore
from gateway.routers.material_uploads import material_key
from kiosk_testkit.demo import free_port
from kiosk_testkit.processes import stop_process

CHUNK = 300 * 1024


@pytest.fixture
def settings(tmp_path):
    """The gateway's settings of tests/gateway/conftest.py, with the test's own material store."""
    from gateway.settings import GatewaySettings

    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0,
                           material_store=str(tmp_path / "materials"))


def _material(size: int, seed: int = 1) -> bytes:
    # A stand-in material: pseudo-random bytes (no real person's papers), megabytes like a scanned page set.
    return hashlib.shake_256(f"material-{seed}".encode()).digest(size)


def _send(client, headers, data: bytes, start_at: int = 0, stop_after: int | None = None) -> dict:
    opened = client.post("/v1/material-uploads", headers=headers,
                         json={"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    assert opened.status_code == 201, opened.text
    upload = opened.json()
    offset, sent = upload["received"], 0
    while offset < len(data) and (stop_after is None or sent < stop_after):
        answer = client.put(f"/v1/material-uploads/{upload['upload_id']}/chunks/{offset}", headers=headers,
                            content=data[offset:offset + CHUNK])
        assert answer.status_code == 200, answer.text
        offset = answer.json()["received"]
        sent += 1
    return upload


def test_a_material_arrives_in_chunks_is_verified_and_stored_encrypted(client, hall, app):
    data = _material(1_000_000)
    upload = _send(client, hall, data)
    done = client.post(f"/v1/material-uploads/{upload['upload_id']}/complete", headers=hall)
    assert done.status_code == 200 and done.json()["status"] == "complete"
    store = app.state.material_store
    assert store.get(material_key(upload["sha256"])) == data
    raw = store.inner.get(material_key(upload["sha256"]))
    assert data[:64] not in raw and len(raw) > len(data)  # encrypted at rest
    assert store.keys("uploads/") == []  # the chunks are gone once joined


def test_resume_after_a_break_and_a_repeated_chunk_is_not_doubled(client, hall, app):
    data = _material(900_000, seed=2)
    upload = _send(client, hall, data, stop_after=1)
    # The kiosk lost the answer to its first chunk and sends it again: recognised, not stored twice.
    again = client.put(f"/v1/material-uploads/{upload['upload_id']}/chunks/0", headers=hall, content=data[:CHUNK])
    assert again.json()["received"] == CHUNK
    skipped = client.put(f"/v1/material-uploads/{upload['upload_id']}/chunks/{2 * CHUNK}", headers=hall,
                         content=data[2 * CHUNK:3 * CHUNK])
    assert skipped.status_code == 409 and skipped.json()["error"]["code"] == "wrong_offset"
    early = client.post(f"/v1/material-uploads/{upload['upload_id']}/complete", headers=hall)
    assert early.status_code == 409 and early.json()["error"]["code"] == "upload_incomplete"
    resumed = _send(client, hall, data)  # opening again with the same hash finds the same upload
    assert resumed["upload_id"] == upload["upload_id"] and resumed["received"] == CHUNK
    assert client.post(f"/v1/material-uploads/{upload['upload_id']}/complete", headers=hall).status_code == 200
    assert app.state.material_store.get(material_key(upload["sha256"])) == data


def test_content_that_does_not_match_its_hash_is_refused_and_started_over(client, hall, app):
    data = _material(400_000, seed=3)
    claimed = hashlib.sha256(b"something else").hexdigest()
    upload = client.post("/v1/material-uploads", headers=hall, json={"sha256": claimed, "size": len(data)}).json()
    for offset in range(0, len(data), CHUNK):
        client.put(f"/v1/material-uploads/{upload['upload_id']}/chunks/{offset}", headers=hall,
                   content=data[offset:offset + CHUNK])
    refused = client.post(f"/v1/material-uploads/{upload['upload_id']}/complete", headers=hall)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "hash_mismatch"
    assert client.get(f"/v1/material-uploads/{upload['upload_id']}", headers=hall).json()["received"] == 0
    assert not app.state.material_store.exists(material_key(claimed))
    assert app.state.material_store.keys("uploads/") == []


def test_another_kiosks_upload_does_not_exist_for_this_one(client, hall, locker):
    upload = _send(client, hall, _material(1000, seed=4))
    assert client.get(f"/v1/material-uploads/{upload['upload_id']}", headers=locker).status_code == 404


def _gateway(workdir, port, store, env):
    log = open(workdir / "gateway.log", "ab")
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "kiosk-gateway"), "--demo", "--host", "127.0.0.1", "--port",
         str(port), "--database", f"sqlite:///{workdir / 'gateway.db'}", "--credentials-out",
         str(workdir / "credentials.json"), "--material-store", str(store)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    return process, log


def _wait_healthy(url: str, process, workdir) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "the gateway exited"
        if not (workdir / "credentials.json").exists():
            time.sleep(0.2)
            continue
        try:
            with urllib.request.urlopen(f"{url}/v1/health", timeout=2) as answer:
                if json.load(answer)["status"] == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the gateway did not come up")


def _hall_headers(workdir) -> dict:
    entries = json.loads((workdir / "credentials.json").read_text())
    return {"Authorization": f"Bearer {next(c['api_key'] for c in entries if c['site_kind'] == 'hall')}"}


def test_the_gateway_restarted_mid_upload_loses_and_doubles_nothing(tmp_path):
    import httpx

    store = tmp_path / "materials"
    key_file = tmp_path / "audit.key"
    key_file.write_text(os.urandom(24).hex())
    key_file.chmod(0o600)
    env = {**os.environ, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(key_file)}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = _material(2_000_000, seed=5)
    process, log = _gateway(tmp_path, port, store, env)
    try:
        _wait_healthy(url, process, tmp_path)
        headers = _hall_headers(tmp_path)
        with httpx.Client(base_url=url, timeout=20) as client:
            upload = _send(client, headers, data, stop_after=3)
        stop_process(process, 10)  # mid-upload
        log.close()
        (tmp_path / "credentials.json").unlink()
        process, log = _gateway(tmp_path, port, store, env)
        _wait_healthy(url, process, tmp_path)
        headers = _hall_headers(tmp_path)  # a demo start writes the demo kiosks' keys anew
        with httpx.Client(base_url=url, timeout=20) as client:
            answer = client.get(f"/v1/material-uploads/{upload['upload_id']}", headers=headers)
            assert answer.status_code == 200, answer.text
            status = answer.json()
            assert status["received"] == 3 * CHUNK
            # The kiosk's outbox does not know which of its chunks landed: it sends the last one again, then the rest.
            repeat = client.put(f"/v1/material-uploads/{upload['upload_id']}/chunks/{2 * CHUNK}", headers=headers,
                                content=data[2 * CHUNK:3 * CHUNK])
            assert repeat.json()["received"] == 3 * CHUNK
            _send(client, headers, data)
            done = client.post(f"/v1/material-uploads/{upload['upload_id']}/complete", headers=headers)
            assert done.status_code == 200, done.text
        materials = [p for p in (store / "materials").iterdir()]
        assert [p.name for p in materials] == [upload["sha256"]]  # one material, not two
        assert not [p for p in (store / "uploads").rglob("*") if p.is_file()]
        assert data[:64] not in materials[0].read_bytes()
    finally:
        stop_process(process, 10)
        log.close()
    # Opened with the gateway's key, the stored material is exactly what the kiosk sent.
    from gateway.audit_chain import current_seal_key, use_seal_key

    before = current_seal_key()
    use_seal_key(key_file.read_text().strip())
    try:
        assert EncryptedBlobStore(FilesystemBlobStore(store)).get(material_key(upload["sha256"])) == data
    finally:
        use_seal_key(before)


@pytest.fixture
def s3_server(monkeypatch):
    """moto's S3 server on loopback: a real S3-compatible HTTP endpoint (signature checks, buckets, keys)."""
    moto_server = pytest.importorskip("moto.server")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-access")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_the_s3_backend_behind_the_same_interface(s3_server):
    import boto3

    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(Bucket="materials")
    store = EncryptedBlobStore(S3BlobStore("materials", s3_server))
    data = _material(700_000, seed=6)
    store.put("materials/abc", data)
    store.put("uploads/u1/000000000000", b"chunk")
    assert store.exists("materials/abc") and not store.exists("materials/nothing")
    assert store.get("materials/abc") == data
    assert data[:64] not in store.inner.get("materials/abc")
    assert store.keys("uploads/") == ["uploads/u1/000000000000"]
    store.delete("uploads/u1/000000000000")
    assert store.keys("uploads/") == []
    with pytest.raises(ValueError, match="blob key"):
        store.put("../escape", b"x")
