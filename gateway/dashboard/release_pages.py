"""The dashboard's software pages: upload a release bundle, roll it out by group, resume a paused rollout, each
kiosk's version and state."""
from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gateway import releases as store
from gateway.dashboard.router import _identity, _operator_form, _page, _secure, _to_login
from gateway.deps import Db
from gateway.models import Kiosk

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard/releases", include_in_schema=False)


@router.get("")
def releases_page(request: Request, db: Db, notice: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    releases = [{"version": r.version, "sha256": r.sha256[:16], "size": r.size, "by": r.uploaded_by,
                 "at": r.uploaded_at.isoformat(timespec="seconds")}
                for r in db.execute(select(store.Release.version, store.Release.sha256, store.Release.size,
                                           store.Release.uploaded_by, store.Release.uploaded_at)
                                    .order_by(store.Release.uploaded_at.desc()))]
    rollouts = [{"id": r.id, "version": r.version, "state": r.state, "stage": r.stage + 1, "stages": len(r.stages),
                 "sizes": [len(s) for s in r.stages], "reason": r.reason}
                for r in db.execute(select(store.Rollout).order_by(store.Rollout.id.desc()).limit(20)).scalars()]
    kiosks = [{"kiosk_id": k.kiosk_id, **store.kiosk_update(k)}
              for k in db.execute(select(Kiosk).order_by(Kiosk.kiosk_id)).scalars()]
    db.rollback()
    return _page(request, "releases.html", {"me": identity, "releases": releases, "rollouts": rollouts,
                                            "kiosks": kiosks, "notice": notice[:200]})


@router.post("")
async def upload(request: Request, db: Db, bundle: Annotated[UploadFile, File()],
                 csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "upload a release")
    if refusal is not None:
        return refusal
    data = await bundle.read(store.MAX_BUNDLE_BYTES + 1)
    try:
        version = store.upload_release(db, data, identity.username)
    except store.ReleaseRefused as exc:
        db.rollback()
        return _page(request, "message.html", {"me": identity, "message": f"Release refused: {exc}."}, status=400)
    return _secure(RedirectResponse(f"/dashboard/releases?notice=release+{version}+uploaded", status_code=303))


@router.post("/rollouts")
def rollout(request: Request, db: Db, version: Annotated[str, Form(max_length=32)] = "",
            test_kiosk: Annotated[str, Form(max_length=64)] = "", hall: Annotated[str, Form(max_length=64)] = "",
            csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "start a rollout")
    if refusal is not None:
        return refusal
    try:
        rollout_id = store.start_rollout(db, version.strip(), test_kiosk.strip(), hall.strip(), identity.username)
    except store.ReleaseRefused as exc:
        db.rollback()
        return _page(request, "message.html", {"me": identity, "message": f"Rollout refused: {exc}."}, status=400)
    return _secure(RedirectResponse(f"/dashboard/releases?notice=rollout+{rollout_id}+started", status_code=303))


@router.post("/rollouts/{rollout_id}/resume")
def resume(request: Request, db: Db, rollout_id: int, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    """An operator fixed what paused a rollout (audited): the kiosks that failed try the release again."""
    identity, refusal = _operator_form(request, db, csrf, "resume a rollout")
    if refusal is not None:
        return refusal
    try:
        retried = store.resume_rollout(db, rollout_id, f"staff:{identity.username}")
    except store.ReleaseRefused as exc:
        db.rollback()
        return _page(request, "message.html", {"me": identity, "message": f"Not resumed: {exc}."}, status=400)
    notice = f"rollout {rollout_id} resumed" + (f"; retrying on {', '.join(retried)}" if retried else "")
    return _secure(RedirectResponse(f"/dashboard/releases?{urlencode({'notice': notice[:200]})}", status_code=303))
