"""The kiosk's submission path for one-window applications: durable, resumable, chunked upload, then the submission.

Interface (kiosk/flows use only this):
    submitter = ApplicationSubmitter(store, client)      # offline_cache.store.Store, kiosk.platform_client client
    submitter.start()                                    # its own worker thread (never the UI thread)
    ref = submitter.submit(ApplicationDraft(...), applicant_token)   # durable when it returns
    submitter.progress(ref) -> SubmissionProgress        # state queued|uploading|submitted|refused, bytes, number
    submitter.receipt(application_no, applicant_token) -> dict       # GET /v1/applications/{no}/receipt
    submitter.submit_correction(application_no, materials, applicant_token) -> ref   # same path, corrections

The draft (form and material PDFs: personal data) is sealed in the encrypted offline store, never in clear on disk
nor in a log. The worker opens each upload by hash (POST /v1/material-uploads), asks where it stands
(GET .../{id}: after a break it goes on from there), PUTs chunks of at most 512 KiB, completes, then posts the
application with an Idempotency-Key fixed at submit time: a restart or a lost answer sends the same request again
and the gateway answers with the same number. Uploads need only the kiosk key, so a slow upload is not cut off by
the applicant token's expiry; only the final POST carries the token. If the token has run out by then (or the
session's end revoked it) the submission is refused with reason application_submission_token_expired but kept
sealed: submitter.resubmit(ref, new_token) after the applicant is verified again sends it with the same
Idempotency-Key (never a second case). Once submitted or refused the sealed draft is wiped; a draft left unsent is
wiped after RETENTION_S; only the local reference, the state and the application number remain.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from kiosk.platform_client import PlatformRejected, PlatformUnavailable, path_part

logger = logging.getLogger(__name__)

CHUNK = 512 * 1024
RETENTION_S = 24 * 3600  # a draft never submitted is wiped a day after the applicant left it
QUEUED, UPLOADING, SUBMITTED, REFUSED = "queued", "uploading", "submitted", "refused"
SCHEMA = """
CREATE TABLE IF NOT EXISTS application_submissions (
    local_ref TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL,
    application_no TEXT,
    reason_key TEXT,
    sealed BLOB,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class MaterialPdf:
    """One captured material, all its pages as one PDF."""
    code: str
    pdf: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@dataclass(frozen=True)
class ApplicationDraft:
    business_code: str
    property_id: str
    form: dict[str, str]
    materials: tuple[MaterialPdf, ...]
    reused: tuple[str, ...] = ()
    co_applicants: tuple[dict, ...] = ()


@dataclass(frozen=True)
class SubmissionProgress:
    state: str
    bytes_done: int
    bytes_total: int
    application_no: str | None = None
    reason_key: str | None = None


class SubmissionNotFound(KeyError):
    """No submission with this local reference on this kiosk."""


def _check_materials(materials: tuple[MaterialPdf, ...]) -> None:
    for material in materials:
        if not isinstance(material, MaterialPdf) or not material.pdf or material.pages < 1:
            raise ValueError("every material needs a non-empty PDF and at least one page")


@dataclass
class _Work:
    local_ref: str
    kind: str
    idempotency_key: str
    body: dict[str, Any] = field(default_factory=dict)


class ApplicationSubmitter:
    """Keeps submissions in `store` and delivers them to the gateway through `client` on its own thread."""

    def __init__(self, store, client, *, retry_s: float = 10.0, chunk: int = CHUNK,
                 retention_s: float = RETENTION_S):
        self.store = store
        self.retention_s = retention_s
        self.client = client
        self.retry_s = retry_s
        self.chunk = min(chunk, CHUNK)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        with store.write() as conn:
            conn.execute(SCHEMA)

    # -- the interface ----------------------------------------------------------------------------------------
    def submit(self, draft: ApplicationDraft, applicant_token: str) -> str:
        if not draft.business_code or not draft.property_id:
            raise ValueError("an application needs a business and a property")
        _check_materials(draft.materials)
        body = {"business_code": draft.business_code, "property_id": draft.property_id, "form": dict(draft.form),
                "reused": list(draft.reused), "co_applicants": list(draft.co_applicants)}
        return self._queue("application", body, draft.materials, applicant_token)

    def submit_correction(self, application_no: str, materials: tuple[MaterialPdf, ...],
                          applicant_token: str) -> str:
        if not application_no or not materials:
            raise ValueError("a correction needs the application number and at least one material")
        _check_materials(materials)
        return self._queue("correction", {"application_no": application_no}, materials, applicant_token)

    def progress(self, local_ref: str) -> SubmissionProgress:
        rows = self.store.query("SELECT state, bytes_done, bytes_total, application_no, reason_key "
                                "FROM application_submissions WHERE local_ref = ?", (local_ref,))
        if not rows:
            raise SubmissionNotFound(local_ref)
        return SubmissionProgress(*rows[0])

    def receipt(self, application_no: str, applicant_token: str) -> dict:
        return self.client.request("GET", f"/v1/applications/{path_part(application_no)}/receipt",
                                   token=applicant_token, retry=True)

    def resubmit(self, local_ref: str, applicant_token: str) -> None:
        """A submission refused for its token, again with the token of the applicant verified anew (any kiosk
        session): same draft, same Idempotency-Key, so it can never open a second application."""
        rows = self.store.query("SELECT state, reason_key, sealed FROM application_submissions WHERE local_ref = ?",
                                (local_ref,))
        if not rows:
            raise SubmissionNotFound(local_ref)
        state, reason, sealed = rows[0]
        if state != REFUSED or reason != TOKEN_REASON or sealed is None:
            raise ValueError("only a submission refused for its applicant token can be sent again")
        payload = json.loads(self.store.sealer.open(sealed, self._context(local_ref)))
        payload["token"] = applicant_token
        self._set(local_ref, state=QUEUED, reason_key=None, sealed=self._seal(local_ref, payload))
        self._wake.set()

    def wipe_stale(self) -> int:
        """Retention: a draft not submitted within RETENTION_S of its submit is wiped (the applicant starts again);
        returns how many were wiped."""
        cutoff = self.store.clock() - self.retention_s
        with self.store.write() as conn:
            wiped = conn.execute("UPDATE application_submissions SET sealed = NULL, state = ?, reason_key = ?, "
                                 "updated_at = ? WHERE sealed IS NOT NULL AND created_at < ?",
                                 (REFUSED, "application_submission_expired", self.store.clock(), cutoff)).rowcount
        if wiped:
            logger.info("application submissions: %d stale drafts wiped", wiped)
        return wiped

    # -- the worker -------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="application-submission", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pending = self.deliver_pending()
            except Exception as exc:  # the worker must never die; nothing personal in the line
                logger.error("application submission pass failed: %s", type(exc).__name__)
                pending = 1
            self._wake.wait(self.retry_s if pending else 3600)
            self._wake.clear()

    def deliver_pending(self) -> int:
        """One pass: every queued submission as far as it goes. Returns how many are still waiting."""
        with self._lock:
            self.wipe_stale()
            waiting = 0
            for (local_ref,) in self.store.query("SELECT local_ref FROM application_submissions WHERE state IN "
                                                 "(?, ?) ORDER BY created_at", (QUEUED, UPLOADING)):
                try:
                    self._deliver(local_ref)
                except PlatformUnavailable:
                    waiting += 1
            return waiting

    # -- internals ---------------------------------------------------------------------------------------------
    def _context(self, local_ref: str) -> bytes:
        return b"application_submission:" + local_ref.encode()

    def _seal(self, local_ref: str, payload: dict) -> bytes:
        return self.store.sealer.seal(json.dumps(payload, ensure_ascii=False).encode(), self._context(local_ref))

    def _bytes(self, local_ref: str) -> int:
        return self.store.query("SELECT bytes_total FROM application_submissions WHERE local_ref = ?",
                                (local_ref,))[0][0]

    def _queue(self, kind: str, body: dict, materials: tuple[MaterialPdf, ...], token: str) -> str:
        local_ref = uuid.uuid4().hex
        payload = {"body": body, "token": token,
                   "materials": [{"code": m.code, "pages": m.pages, "pdf": base64.b64encode(m.pdf).decode()}
                                 for m in materials]}
        sealed = self._seal(local_ref, payload)
        now = self.store.clock()
        total = sum(len(m.pdf) for m in materials)
        with self.store.write() as conn:
            conn.execute("INSERT INTO application_submissions (local_ref, kind, state, idempotency_key, bytes_total, "
                         "sealed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (local_ref, kind, QUEUED, uuid.uuid4().hex, total, sealed, now, now))
        logger.info("application submission %s queued: %s, %d materials", local_ref, kind, len(materials))
        self._wake.set()
        return local_ref

    def _set(self, local_ref: str, **values) -> None:
        values["updated_at"] = self.store.clock()
        columns = ", ".join(f"{name} = ?" for name in values)
        with self.store.write() as conn:
            conn.execute(f"UPDATE application_submissions SET {columns} WHERE local_ref = ?",
                         (*values.values(), local_ref))

    def _deliver(self, local_ref: str) -> None:
        kind, key, sealed = self.store.query("SELECT kind, idempotency_key, sealed FROM application_submissions "
                                             "WHERE local_ref = ?", (local_ref,))[0]
        payload = json.loads(self.store.sealer.open(sealed, self._context(local_ref)))
        materials = [(m["code"], m["pages"], base64.b64decode(m["pdf"])) for m in payload["materials"]]
        self._set(local_ref, state=UPLOADING)
        try:
            done = 0
            refs = []
            for code, pages, pdf in materials:
                sha = self._upload(local_ref, pdf, done)
                done += len(pdf)
                refs.append({"code": code, "sha256": sha, "pages": pages})
            answer = self._post(kind, payload["body"], refs, key, payload["token"])
        except PlatformRejected as exc:
            if exc.code in RETRY_CODES:
                raise PlatformUnavailable(exc.code) from None  # the gateway says: try again
            logger.info("application submission %s refused: %s", local_ref, exc.code)
            if exc.code in TOKEN_CODES:
                # The applicant's token ran out (or the session ended) before the POST: the materials are at the
                # gateway and the draft stays sealed until resubmit() with a fresh token, or the retention ends.
                self._set(local_ref, state=REFUSED, reason_key=TOKEN_REASON, bytes_done=self._bytes(local_ref))
            else:
                self._set(local_ref, state=REFUSED, reason_key=_reason(exc.code), sealed=None)
            return
        number = answer.get("application_no") or payload["body"].get("application_no")
        # Submitted: the sealed draft (form, PDFs, token) is wiped at once; the number stays for progress().
        self._set(local_ref, state=SUBMITTED, application_no=number, bytes_done=done, sealed=None)
        logger.info("application submission %s submitted", local_ref)

    def _upload(self, local_ref: str, pdf: bytes, done_before: int) -> str:
        sha = hashlib.sha256(pdf).hexdigest()
        opened = self.client.request("POST", "/v1/material-uploads", json={"sha256": sha, "size": len(pdf)},
                                     retry=True)
        upload_id = opened["upload_id"]
        status = self.client.request("GET", f"/v1/material-uploads/{path_part(upload_id)}", retry=True)
        received = int(status["received"])
        while status["status"] != "complete" and received < len(pdf):
            self._set(local_ref, bytes_done=done_before + received)
            status = self.client.put_bytes(f"/v1/material-uploads/{path_part(upload_id)}/chunks/{received}",
                                           pdf[received:received + self.chunk])
            received = int(status["received"])
        if status["status"] != "complete":
            self.client.request("POST", f"/v1/material-uploads/{path_part(upload_id)}/complete", retry=True)
        self._set(local_ref, bytes_done=done_before + len(pdf))
        return sha

    def _post(self, kind: str, body: dict, refs: list[dict], key: str, token: str) -> dict:
        if kind == "correction":
            return self.client.request("POST", f"/v1/applications/{path_part(body['application_no'])}/corrections",
                                       json={"materials": refs}, token=token, idempotency_key=key, retry=True)
        # reused (material hashes the gateway already holds) and co_applicants pass through once the gateway takes
        # them (win23gw); until then they are sent only when present, so today's gateway takes the plain form.
        request = {"business_code": body["business_code"], "property_id": body["property_id"],
                   "form": body["form"], "materials": refs}
        if body.get("co_applicants"):
            request["co_applicants"] = body["co_applicants"]
        if body.get("reused"):
            request["reused"] = body["reused"]
        return self.client.request("POST", "/v1/applications", json=request, token=token, idempotency_key=key,
                                   retry=True)


RETRY_CODES = frozenset({"conflict", "rate_limited", "upload_incomplete"})
TOKEN_CODES = frozenset({"token_expired", "token_invalid"})
TOKEN_REASON = "application_submission_token_expired"
# The gateway's refusal codes (gateway/application_intake.py) -> the catalog key of what the kiosk says.
REASONS = {**{code: "application_submission_form_refused" for code in (
               "field_invalid", "field_missing", "field_unknown", "field_not_editable", "invalid_request")},
           **{code: "application_submission_materials_refused" for code in (
               "material_repeated", "material_unknown", "material_fetched", "material_not_requested",
               "material_pages", "material_not_uploaded", "material_missing", "hash_mismatch")},
           "property_not_found": "application_submission_property_refused",
           "no_mortgage": "application_submission_property_refused",
           "idempotency_conflict": "application_submission_check_status",
           "no_correction_requested": "application_submission_check_status"}


def _reason(code: str) -> str:
    return REASONS.get(code, "application_submission_refused")
