"""Software releases on the gateway: signed bundles uploaded by staff, served to kiosks, rolled out by group (one test
kiosk, then a hall, then all) with a pause when any kiosk fails."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import re
import tarfile

from fastapi import APIRouter, Path as PathParam
from fastapi.responses import Response
from sqlalchemy import JSON, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.deps import CurrentKiosk, Db, audit
from gateway.errors import ApiError
from gateway.fleet import queue_command
from gateway.models import Base, Kiosk, KioskCommand, utcnow
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

MAX_BUNDLE_BYTES = 64 * 1024 * 1024  # gateway.request_limits lets the dashboard's upload through
VERSION_RE = re.compile(r"^[0-9][0-9A-Za-z.+_-]{0,31}$")
DONE_STATES = ("healthy", "stable")


class Release(Base):
    __tablename__ = "releases"
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    manifest: Mapped[dict] = mapped_column(JSON)
    bundle: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime]
    uploaded_by: Mapped[str] = mapped_column(String(64))


class Rollout(Base):
    """stages: lists of kiosk ids, in order; stage: the one being installed; state: running, paused, done."""

    __tablename__ = "rollouts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(32))
    stages: Mapped[list] = mapped_column(JSON)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    commands: Mapped[dict] = mapped_column(JSON)  # kiosk id -> install_update command id
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class ReleaseRefused(ValueError):
    pass


def read_manifest(bundle: bytes) -> dict:
    """The bundle's manifest (its signature is the kiosk's to check, against the keys it trusts)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:") as tar:
            member = tar.getmember("manifest.json")
            tar.getmember("manifest.sig")
            manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, tarfile.TarError, ValueError, AttributeError):
        raise ReleaseRefused("not a release bundle (a tar with a signed manifest.json)") from None
    version = str(manifest.get("version", "")) if isinstance(manifest, dict) else ""
    if not VERSION_RE.match(version) or not isinstance(manifest.get("files"), dict):
        raise ReleaseRefused("the manifest names no release version or no files")
    return manifest


def upload_release(db: Session, bundle: bytes, actor: str) -> str:
    if not bundle or len(bundle) > MAX_BUNDLE_BYTES:
        raise ReleaseRefused(f"a bundle is 1 byte to {MAX_BUNDLE_BYTES // 2 ** 20} MiB")
    manifest = read_manifest(bundle)
    version = manifest["version"]
    if db.get(Release, version) is not None:
        raise ReleaseRefused(f"release {version} was already uploaded")
    digest = hashlib.sha256(bundle).hexdigest()
    db.add(Release(version=version, sha256=digest, size=len(bundle), manifest=manifest, bundle=bundle,
                   uploaded_at=utcnow(), uploaded_by=actor[:64]))
    audit(db, actor, "release_uploaded", version, {"sha256": digest, "size": len(bundle)})
    db.commit()
    logger.info("release %s uploaded by %s (%d bytes)", version, actor, len(bundle))
    return version


def kiosk_update(kiosk: Kiosk) -> dict:
    """What the kiosk's heartbeats say of its software: release, update state, and what failed and why."""
    extra = kiosk.heartbeat_extra or {}
    detail = extra.get("update_detail") if isinstance(extra.get("update_detail"), dict) else {}
    return {"release": extra.get("release") or kiosk.version, "state": extra.get("update_state") or "",
            "failed": detail.get("failed"), "reason": str(detail.get("reason") or "")[:200]}


def start_rollout(db: Session, version: str, test_kiosk: str, hall: str, actor: str) -> int:
    """Stages: the test kiosk; the other kiosks of the hall (their central configuration's site profile); all the
    other enabled kiosks. The first stage's install command is queued now."""
    from gateway.central_config import KioskConfigSite

    if db.get(Release, version) is None:
        raise ReleaseRefused(f"no release {version!r} uploaded")
    enabled = list(db.execute(select(Kiosk.kiosk_id).where(Kiosk.enabled.is_(True)).order_by(Kiosk.kiosk_id))
                   .scalars())
    if test_kiosk not in enabled:
        raise ReleaseRefused(f"the test kiosk {test_kiosk!r} is not an enabled kiosk")
    in_hall = set(db.execute(select(KioskConfigSite.kiosk_id).where(KioskConfigSite.site == hall)).scalars()) \
        if hall else set()
    hall_stage = [k for k in enabled if k in in_hall and k != test_kiosk]
    rest = [k for k in enabled if k != test_kiosk and k not in in_hall]
    stages = [[test_kiosk]] + ([hall_stage] if hall_stage else []) + ([rest] if rest else [])
    rollout = Rollout(version=version, stages=stages, stage=0, state="running", reason="", commands={},
                      created_at=utcnow(), created_by=actor[:64])
    db.add(rollout)
    db.flush()
    audit(db, actor, "rollout_started", version, {"rollout": rollout.id, "stages": [len(s) for s in stages]})
    db.commit()
    _queue_stage(db, rollout, actor)
    return rollout.id


def _queue_stage(db: Session, rollout: Rollout, actor: str, kiosk_ids: list[str] | None = None,
                 retry: bool = False) -> None:
    commands = dict(rollout.commands)
    args = {"version": rollout.version, **({"retry": True} if retry else {})}
    for kiosk_id in rollout.stages[rollout.stage] if kiosk_ids is None else kiosk_ids:
        commands[kiosk_id] = queue_command(db, kiosk_id, "install_update", args, actor=actor)
    rollout.commands = commands
    db.commit()


def _stage_failures(db: Session, rollout: Rollout) -> tuple[dict[str, str], int]:
    """({kiosk id: what failed} of the current stage, how many of its kiosks run the release healthily). A failure
    a kiosk's heartbeat reports counts only from a heartbeat after its install command's result: the stale mark of
    an earlier try (before a resume) is not a new failure."""
    failures, done = {}, 0
    for kiosk_id in rollout.stages[rollout.stage]:
        kiosk = db.get(Kiosk, kiosk_id)
        update = kiosk_update(kiosk) if kiosk is not None else {}
        command = db.get(KioskCommand, rollout.commands.get(kiosk_id, ""))
        finished = command is not None and command.done_at is not None
        result = (command.result or {}) if finished else {}
        reported_after = finished and kiosk.last_heartbeat_at is not None and kiosk.last_heartbeat_at > command.done_at
        if result and not result.get("ok", True):
            failures[kiosk_id] = f"install refused: {str(result.get('detail', ''))[:80]}"
        elif update.get("failed") == rollout.version and reported_after:
            failures[kiosk_id] = f"{update.get('state')}: {update.get('reason', '')[:80]}"
        elif update.get("release") == rollout.version and update.get("state") in DONE_STATES:
            done += 1
    return failures, done


def advance(db: Session) -> int:
    """One pass over the running rollouts: pause one whose kiosk failed, move one whose stage all run the release
    healthily to the next stage (or finish it). Returns how many changed."""
    changed = 0
    for rollout in db.execute(select(Rollout).where(Rollout.state == "running")).scalars().all():
        failures, done = _stage_failures(db, rollout)
        if failures:
            rollout.state = "paused"
            rollout.reason = "; ".join(f"{kiosk_id}: {what}" for kiosk_id, what in failures.items())[:200]
            audit(db, "rollout", "rollout_paused", rollout.version, {"rollout": rollout.id, "stage": rollout.stage})
            logger.warning("rollout %d of %s paused: %s", rollout.id, rollout.version, rollout.reason)
            changed += 1
        elif done == len(rollout.stages[rollout.stage]):
            if rollout.stage + 1 < len(rollout.stages):
                rollout.stage += 1
                db.commit()
                _queue_stage(db, rollout, "rollout")
            else:
                rollout.state = "done"
                audit(db, "rollout", "rollout_done", rollout.version, {"rollout": rollout.id})
            changed += 1
        db.commit()
    return changed


def resume_rollout(db: Session, rollout_id: int, actor: str) -> list[str]:
    """Staff fixed what paused a rollout: it runs again, the install queued once more (as a retry, which a kiosk
    that rolled this release back accepts) on the current stage's kiosks that failed; the others keep theirs.
    Returns the kiosks retried."""
    rollout = db.get(Rollout, rollout_id)
    if rollout is None:
        raise ReleaseRefused(f"no rollout {rollout_id}")
    if rollout.state != "paused":
        raise ReleaseRefused(f"rollout {rollout_id} is {rollout.state}, not paused")
    failed = [k for k in _stage_failures(db, rollout)[0] if db.get(Kiosk, k) is not None]
    rollout.state, rollout.reason = "running", ""
    audit(db, actor, "rollout_resumed", rollout.version, {"rollout": rollout.id, "stage": rollout.stage,
                                                          "retried": failed})
    db.commit()
    _queue_stage(db, rollout, actor, failed, retry=True)
    logger.info("rollout %d of %s resumed by %s (retried on %d kiosk(s))", rollout.id, rollout.version, actor,
                len(failed))
    return failed


router = APIRouter(tags=["fleet"])


@router.get("/v1/releases/{version}/bundle", summary="Download a release bundle (the kiosk checks its signature)",
            response_class=Response, responses=errors(*KIOSK_ERRORS, 404))
def release_bundle(kiosk: CurrentKiosk, db: Db,
                   version: str = PathParam(max_length=32, pattern=VERSION_RE.pattern)) -> Response:
    release = db.get(Release, version)
    if release is None:
        raise ApiError(404, "release_not_found", "No such release.")
    return Response(release.bundle, media_type="application/x-tar",
                    headers={"X-Bundle-SHA256": release.sha256, "Cache-Control": "no-store"})
