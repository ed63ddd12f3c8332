"""Resumable, chunked upload of application materials from a kiosk, verified by the content hash on completion.

A kiosk opens an upload with the material's SHA-256 and size, sends chunks at the offset the gateway has reached,
asks how far it got after any break (a slow line, a gateway restart) and goes on from there; a chunk sent again
after a lost answer is recognised by its offset and not stored twice. On completion the chunks are joined, hashed,
and kept once under the hash (the same material twice is one blob), encrypted like every blob.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from gateway.deps import CurrentKiosk, Db
from gateway.errors import ApiError
from gateway.material_models import MaterialUpload
from gateway.models import utcnow
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["applications"])

CHUNK_MAX = 512 * 1024  # under the request body guard; a slow line sends several small requests, not one big one
MATERIAL_MAX = 64 * 1024 * 1024
UploadId = Annotated[str, Path(min_length=32, max_length=40, pattern=r"^[0-9a-f]+$")]
Offset = Annotated[int, Path(ge=0, le=MATERIAL_MAX)]


class UploadIn(BaseModel):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0, le=MATERIAL_MAX)


class UploadOut(BaseModel):
    upload_id: str
    sha256: str
    size: int
    received: int
    status: str
    chunk_max: int = CHUNK_MAX


def _out(upload: MaterialUpload) -> dict:
    return {"upload_id": upload.upload_id, "sha256": upload.sha256, "size": upload.size, "received": upload.received,
            "status": upload.status, "chunk_max": CHUNK_MAX}


def _chunk_key(upload_id: str, offset: int) -> str:
    return f"uploads/{upload_id}/{offset:012d}"


def material_key(sha256: str) -> str:
    return f"materials/{sha256}"


def _own(db, kiosk, upload_id: str) -> MaterialUpload:
    upload = db.get(MaterialUpload, upload_id)
    if upload is None or upload.kiosk_id != kiosk.kiosk_id:
        raise ApiError(404, "upload_not_found", "No such upload for this kiosk.")
    return upload


@router.post("/v1/material-uploads", response_model=UploadOut, status_code=201,
             responses=errors(*KIOSK_ERRORS, 409),
             summary="Open (or find again) the upload of one material by its SHA-256 and size")
def open_upload(body: UploadIn, db: Db, kiosk: CurrentKiosk) -> dict:
    # Opening again with the same hash (the kiosk lost the answer, or restarts) finds the same upload: idempotent.
    found = db.scalar(select(MaterialUpload).where(MaterialUpload.kiosk_id == kiosk.kiosk_id,
                                                   MaterialUpload.sha256 == body.sha256))
    if found is not None:
        if found.size != body.size:
            raise ApiError(409, "upload_size_differs", "An upload with this hash has another size.")
        return _out(found)
    upload = MaterialUpload(upload_id=uuid.uuid4().hex, kiosk_id=kiosk.kiosk_id, sha256=body.sha256, size=body.size,
                            received=0, status="receiving")
    db.add(upload)
    db.commit()
    return _out(upload)


@router.get("/v1/material-uploads/{upload_id}", response_model=UploadOut, responses=errors(*KIOSK_ERRORS, 404),
            summary="How far an upload has come (where to go on after a break)")
def upload_status(upload_id: UploadId, db: Db, kiosk: CurrentKiosk) -> dict:
    return _out(_own(db, kiosk, upload_id))


@router.put("/v1/material-uploads/{upload_id}/chunks/{offset}", response_model=UploadOut,
            responses=errors(*KIOSK_ERRORS, 404, 409), summary="One chunk at the offset reached so far")
async def put_chunk(request: Request, upload_id: UploadId, offset: Offset, kiosk: CurrentKiosk) -> dict:
    data = await request.body()
    state = request.app.state
    from gateway.db import run_db

    def run() -> dict:
        with state.sessionmaker() as db:
            upload = _own(db, kiosk, upload_id)
            if not data or len(data) > CHUNK_MAX:
                raise ApiError(422, "chunk_size", f"A chunk is 1 to {CHUNK_MAX} bytes.")
            if upload.status == "complete" or offset + len(data) <= upload.received:
                # Sent again after a lost answer: already here. Not stored twice.
                return _out(upload)
            if offset != upload.received:
                raise ApiError(409, "wrong_offset", f"The upload is at byte {upload.received}; send from there.")
            if offset + len(data) > upload.size:
                raise ApiError(409, "beyond_size", "The chunk goes past the declared size.")
            # The chunk is stored before the row moves on: a crash in between leaves a blob that the next attempt
            # at the same offset overwrites, never a row that claims bytes the store does not have.
            state.material_store.put(_chunk_key(upload_id, offset), data)
            upload.received = offset + len(data)
            db.commit()
            return _out(upload)

    return await run_db(state.engine, run)


@router.post("/v1/material-uploads/{upload_id}/complete", response_model=UploadOut,
             responses=errors(*KIOSK_ERRORS, 404, 409), summary="Join the chunks and verify the content hash")
def complete_upload(request: Request, upload_id: UploadId, db: Db, kiosk: CurrentKiosk) -> dict:
    upload = _own(db, kiosk, upload_id)
    store = request.app.state.material_store
    if upload.status == "complete":
        return _out(upload)
    if upload.received != upload.size:
        raise ApiError(409, "upload_incomplete", f"{upload.received} of {upload.size} bytes are here.")
    chunks = store.keys(f"uploads/{upload_id}/")
    joined = b"".join(store.get(key) for key in chunks)
    if len(joined) != upload.size or hashlib.sha256(joined).hexdigest() != upload.sha256:
        # Start again from nothing: a damaged upload must not become a material.
        for key in chunks:
            store.delete(key)
        upload.received = 0
        db.commit()
        raise ApiError(409, "hash_mismatch", "The material's content does not match its hash; send it again.")
    if not store.exists(material_key(upload.sha256)):
        store.put(material_key(upload.sha256), joined)
    for key in chunks:
        store.delete(key)
    upload.status = "complete"
    upload.completed_at = utcnow()
    db.commit()
    logger.info("material upload complete: %s bytes, %s chunks", upload.size, len(chunks))
    return _out(upload)
