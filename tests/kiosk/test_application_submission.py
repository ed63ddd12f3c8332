"""The kiosk's application submission against a real gateway on loopback: sealed in the encrypted store, uploaded
in chunks, resumed after a break and a kiosk restart, sent again after a lost answer without a second case, refused
with a reason key, wiped once submitted."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from gateway.application_models import Application
from gateway.material_models import MaterialUpload
from gateway.testing import LiveGateway
from kiosk.application_submission import (QUEUED, REFUSED, SUBMITTED, UPLOADING, ApplicationDraft,
                                          ApplicationSubmitter, MaterialPdf, SubmissionNotFound)
from kiosk.documents.application_receipt import application_receipt
from kiosk.platform_client import PlatformClient, PlatformUnavailable
from offline_cache.store import Store
from peripherals.printer.layout import QrCode, Row
from tests.gateway.one_window import captured_material, mortgaged_property

OBAMA = "110105196108041235"  # demo person (docs/demo-persons.md)
HALL = "demo-hall-01"
SMALL_CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with LiveGateway(tmp_path_factory.mktemp("gateway")) as gw:
        yield gw


@pytest.fixture(scope="module")
def property_id(gateway):
    with gateway.sessionmaker()() as db:
        return mortgaged_property(db, OBAMA).property_id


@pytest.fixture
def client(gateway):
    client = PlatformClient(gateway.base_url, gateway.api_key(HALL), kiosk_id=HALL, retries=0)
    yield client
    client.close()


@pytest.fixture
def store_key():
    return os.urandom(32)


@pytest.fixture
def store(tmp_path, store_key):
    store = Store.open(tmp_path / "kiosk.db", store_key)
    yield store
    store.close()


def _materials(seed: int = 0) -> tuple[MaterialPdf, ...]:
    return (MaterialPdf("mortgage_certificate", captured_material("不动产登记证明（抵押，演示）", seed=seed), 1),
            MaterialPdf("certificate_original", captured_material("不动产权证书（演示）", 2, seed=seed + 1), 2),
            MaterialPdf("application_form", captured_material("不动产登记申请书（演示，已签名）", seed=seed + 2), 1))


def _draft(property_id: str, seed: int = 0, phone: str = "13900000023") -> ApplicationDraft:
    return ApplicationDraft("mortgage_cancellation", property_id, {"phone": phone}, _materials(seed))


def _count(gateway, model) -> int:
    with gateway.sessionmaker()() as db:
        return db.scalar(select(func.count()).select_from(model))


def _token(client) -> str:
    return client.issue_applicant_token(OBAMA, "card_only_demo", None)


class Breaks:
    """The real client, with a break after `after` chunks (the line drops) or the answer to one call lost."""

    def __init__(self, client, *, chunks_before_break: int | None = None, lose_answer_of: str | None = None):
        self.client = client
        self.chunks_before_break = chunks_before_break
        self.lose_answer_of = lose_answer_of
        self.chunks = []

    def put_bytes(self, path, data):
        if self.chunks_before_break is not None and len(self.chunks) >= self.chunks_before_break:
            raise PlatformUnavailable("ConnectionError")
        answer = self.client.put_bytes(path, data)
        self.chunks.append((path, len(data)))
        return answer

    def request(self, method, path, **kwargs):
        answer = self.client.request(method, path, **kwargs)
        if self.lose_answer_of and path == self.lose_answer_of:
            self.lose_answer_of = None
            raise PlatformUnavailable("ReadTimeout")  # the gateway did it; the kiosk never heard
        return answer


def test_a_draft_is_sealed_uploaded_in_chunks_submitted_and_wiped(gateway, client, store, tmp_path, property_id):
    draft = _draft(property_id, seed=10)
    counting = Breaks(client)
    submitter = ApplicationSubmitter(store, counting, chunk=SMALL_CHUNK)
    ref = submitter.submit(draft, _token(client))
    progress = submitter.progress(ref)
    assert progress.state == QUEUED and progress.bytes_done == 0
    assert progress.bytes_total == sum(len(m.pdf) for m in draft.materials)
    store.checkpoint()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.db*"))
    assert draft.materials[1].pdf[:4096] not in on_disk and "13900000023".encode() not in on_disk

    assert submitter.deliver_pending() == 0
    progress = submitter.progress(ref)
    assert progress.state == SUBMITTED and progress.application_no.startswith("YC")
    assert progress.bytes_done == progress.bytes_total
    assert all(size <= SMALL_CHUNK for _, size in counting.chunks)
    assert len(counting.chunks) >= sum(-(-len(m.pdf) // SMALL_CHUNK) for m in draft.materials)
    # Wiped: nothing of the draft is left in the store, only the reference, the state and the number.
    assert store.query("SELECT sealed FROM application_submissions WHERE local_ref = ?", (ref,)) == [(None,)]
    receipt = submitter.receipt(progress.application_no, _token(client))
    assert receipt["application_no"] == progress.application_no
    # The gateway's receipt data prints as it is (kiosk/documents/application_receipt.py).
    elements = application_receipt(receipt)
    assert [e.data for e in elements if isinstance(e, QrCode)] == [receipt["qr_url"]]
    assert {e.left: e.right for e in elements if isinstance(e, Row)}["受理编号"] == progress.application_no


def test_a_break_and_a_kiosk_restart_resume_where_the_upload_was(gateway, client, tmp_path, store_key,
                                                                 property_id):
    draft = _draft(property_id, seed=20)
    chunk = 16 * 1024
    assert len(draft.materials[0].pdf) > 3 * chunk  # the break falls inside the first material
    store = Store.open(tmp_path / "kiosk.db", store_key)
    broken = Breaks(client, chunks_before_break=3)
    first = ApplicationSubmitter(store, broken, chunk=chunk)
    ref = first.submit(draft, _token(client))
    assert first.deliver_pending() == 1  # the line dropped: still waiting, nothing refused
    progress = first.progress(ref)
    assert progress.state == UPLOADING and progress.bytes_done == 3 * chunk
    store.close()

    store = Store.open(tmp_path / "kiosk.db", store_key)  # the kiosk restarts
    try:
        counting = Breaks(client)
        again = ApplicationSubmitter(store, counting, chunk=chunk)
        assert again.deliver_pending() == 0
        assert again.progress(ref).state == SUBMITTED
        # It went on in the same upload from byte 3 x 16 KiB, the gateway's answer to GET .../{id}.
        last_path = broken.chunks[-1][0]
        assert counting.chunks[0][0] == last_path.rsplit("/", 1)[0] + f"/{3 * chunk}"
        assert sum(size for _, size in counting.chunks) == sum(len(m.pdf) for m in draft.materials) - 3 * chunk
    finally:
        store.close()


def test_a_lost_answer_is_sent_again_and_opens_no_second_application(gateway, client, store, property_id):
    applications = _count(gateway, Application)
    lossy = Breaks(client, lose_answer_of="/v1/applications")
    submitter = ApplicationSubmitter(store, lossy)
    ref = submitter.submit(_draft(property_id, seed=30), _token(client))
    assert submitter.deliver_pending() == 1
    assert _count(gateway, Application) == applications + 1  # the gateway took it; the kiosk did not hear
    assert submitter.progress(ref).state == UPLOADING
    uploads = _count(gateway, MaterialUpload)
    assert submitter.deliver_pending() == 0
    assert submitter.progress(ref).state == SUBMITTED
    assert _count(gateway, Application) == applications + 1  # the same one, not a second
    assert _count(gateway, MaterialUpload) == uploads  # the materials found again by hash, not uploaded twice


def test_a_refused_form_gives_a_reason_key_and_is_wiped(gateway, client, store, property_id):
    submitter = ApplicationSubmitter(store, client)
    ref = submitter.submit(_draft(property_id, seed=40, phone="not a phone\x07"), _token(client))
    assert submitter.deliver_pending() == 0
    progress = submitter.progress(ref)
    assert progress.state == REFUSED and progress.application_no is None
    assert progress.reason_key.startswith("application_submission_")
    assert store.query("SELECT sealed FROM application_submissions WHERE local_ref = ?", (ref,)) == [(None,)]


def test_bad_input_is_refused_before_anything_is_stored(store, client):
    submitter = ApplicationSubmitter(store, client)
    with pytest.raises(ValueError):
        submitter.submit(ApplicationDraft("mortgage_cancellation", "", {}, ()), "t")
    with pytest.raises(ValueError):
        submitter.submit(ApplicationDraft("mortgage_cancellation", "P1", {}, (MaterialPdf("x", b"", 1),)), "t")
    assert store.query("SELECT count(*) FROM application_submissions") == [(0,)]
    with pytest.raises(SubmissionNotFound):
        submitter.progress("nope")


def test_an_expired_token_keeps_the_draft_until_the_applicant_is_verified_again(gateway, client, store,
                                                                                 property_id):
    applications = _count(gateway, Application)
    submitter = ApplicationSubmitter(store, client)
    token = _token(client)
    ref = submitter.submit(_draft(property_id, seed=50), token)
    client.revoke_applicant_token(token)  # the session ended (or the token ran out) before the upload did
    assert submitter.deliver_pending() == 0
    progress = submitter.progress(ref)
    assert progress.state == REFUSED and progress.reason_key == "application_submission_token_expired"
    assert _count(gateway, Application) == applications
    submitter.resubmit(ref, _token(client))  # verified again
    assert submitter.deliver_pending() == 0
    assert submitter.progress(ref).state == SUBMITTED
    assert _count(gateway, Application) == applications + 1
    with pytest.raises(ValueError):
        submitter.resubmit(ref, _token(client))  # submitted: nothing left to send


def test_a_draft_left_unsent_is_wiped_after_the_retention(gateway, client, tmp_path, store_key, property_id):
    now = [1_000_000.0]
    store = Store.open(tmp_path / "kiosk.db", store_key, clock=lambda: now[0])
    try:
        submitter = ApplicationSubmitter(store, Breaks(client, chunks_before_break=0))
        ref = submitter.submit(_draft(property_id, seed=60), "token")
        assert submitter.wipe_stale() == 0
        now[0] += submitter.retention_s + 1
        assert submitter.wipe_stale() == 1
        progress = submitter.progress(ref)
        assert progress.state == REFUSED and progress.reason_key == "application_submission_expired"
        assert store.query("SELECT sealed FROM application_submissions") == [(None,)]
    finally:
        store.close()
