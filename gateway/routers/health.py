"""GET /v1/health: the unauthenticated liveness answer (and the benchmark's floor)."""
from __future__ import annotations

import logging

from fastapi import APIRouter
from pydantic import BaseModel

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/v1/health", response_model=Health, summary="Liveness (no authentication)")
async def health() -> dict:
    return {"status": "ok"}
