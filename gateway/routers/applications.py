"""One-window application (一窗受理) for the kiosks: the catalogue of businesses an applicant can start at a kiosk."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from gateway.deps import CurrentKiosk
from gateway.errors import ApiError
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["applications"])

BusinessCode = Annotated[str, Path(min_length=2, max_length=48, pattern=r"^[a-z][a-z0-9_]+$")]


class BusinessList(BaseModel):
    businesses: list[dict]


@router.get("/v1/businesses", response_model=BusinessList, responses=errors(*KIOSK_ERRORS),
            summary="The businesses a kiosk offers for self-service application, with fields, materials and fees")
def list_businesses(request: Request, kiosk: CurrentKiosk) -> dict:
    return {"businesses": [b.to_json() for b in request.app.state.business_catalogue.business]}


@router.get("/v1/businesses/{code}", response_model=dict, responses=errors(*KIOSK_ERRORS, 404),
            summary="One business of the catalogue")
def get_business(request: Request, code: BusinessCode, kiosk: CurrentKiosk) -> dict:
    business = request.app.state.business_catalogue.get(code)
    if business is None:
        raise ApiError(404, "business_not_found", "No such business in the catalogue.")
    return business.to_json()
