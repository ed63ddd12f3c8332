"""Remote view: staff ask for a screenshot of a kiosk (it is taken when no applicant is in session) and see it on
the dashboard; the kiosk uploads the PNG against the request's id."""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from fastapi import APIRouter, Path as PathParam, Request
from sqlalchemy import Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.deps import CurrentKiosk, Db, audit
from gateway.errors import ApiError
from gateway.fleet import queue_command
from gateway.models import Base, utcnow
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

MAX_PNG_BYTES = 2 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class KioskScreenshot(Base):
    __tablename__ = "kiosk_screenshots"
    request_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    command_id: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[dt.datetime]
    requested_by: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[dt.datetime | None]
    size: Mapped[int | None] = mapped_column(Integer)
    png: Mapped[bytes | None] = mapped_column(LargeBinary)


def request_screenshot(db: Session, kiosk_id: str, actor: str) -> str:
    request_id = "S" + secrets.token_hex(8)
    command_id = queue_command(db, kiosk_id, "screenshot", {"request_id": request_id}, actor=actor)
    db.add(KioskScreenshot(request_id=request_id, kiosk_id=kiosk_id, command_id=command_id, requested_at=utcnow(),
                           requested_by=actor[:64]))
    audit(db, actor, "screenshot_requested", kiosk_id, {"request_id": request_id})
    db.commit()
    return request_id


def screenshots(db: Session, kiosk_id: str, limit: int = 10) -> list[KioskScreenshot]:
    return list(db.execute(select(KioskScreenshot).where(KioskScreenshot.kiosk_id == kiosk_id)
                           .order_by(KioskScreenshot.requested_at.desc()).limit(limit)).scalars())


router = APIRouter(tags=["fleet"])


@router.post("/v1/kiosk-screenshots/{request_id}", status_code=204, response_model=None,
             responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Upload the screenshot staff asked for (PNG body), taken while no applicant was in session")
async def upload_screenshot(request: Request, kiosk: CurrentKiosk, db: Db,
                            request_id: str = PathParam(pattern=r"^S[0-9a-f]{16}$")) -> None:
    body = await request.body()
    if not body.startswith(PNG_MAGIC) or len(body) > MAX_PNG_BYTES:
        raise ApiError(422, "invalid_request", "The body must be one PNG image of at most 2 MiB.")
    row = db.get(KioskScreenshot, request_id)
    if row is None or row.kiosk_id != kiosk.kiosk_id:
        raise ApiError(404, "screenshot_not_requested", "No screenshot was asked of this kiosk under that id.")
    if row.taken_at is not None:
        raise ApiError(409, "screenshot_delivered", "That screenshot was already delivered.")
    row.png, row.size, row.taken_at = body, len(body), utcnow()
    audit(db, kiosk.kiosk_id, "screenshot_delivered", request_id, {"size": len(body)})
    db.commit()
    logger.info("screenshot %s delivered by %s (%d bytes)", request_id, kiosk.kiosk_id, len(body))
