"""POST /v1/portraits/lookup: the registry's reference portrait for the face match (ID number in the body, not URL)."""
from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import AdaptersDep, CurrentKiosk, Db, audit
from gateway.errors import ApiError
from gateway.identity import mask_id_number, valid_id_number
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["identity"])


class PortraitLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(min_length=15, max_length=18)


@router.post("/v1/portraits/lookup", response_class=Response,
             responses={200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                              "description": "The reference portrait as JPEG"},
                        **errors(*KIOSK_ERRORS, 404)},
             summary="Reference portrait for an ID number (kiosk authentication only)")
def portrait(body: PortraitLookup, kiosk: CurrentKiosk, db: Db, adapters: AdaptersDep) -> Response:
    if not valid_id_number(body.id_number):
        raise ApiError(422, "invalid_id_number", "The ID number is not well formed or its check character is wrong.")
    image = adapters.population.portrait_jpeg(body.id_number)
    audit(db, kiosk.kiosk_id, "portrait_lookup", mask_id_number(body.id_number), {"found": image is not None})
    db.commit()
    if image is None:
        raise ApiError(404, "portrait_not_found", "The registry has no portrait for this ID number.")
    return Response(content=image, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
