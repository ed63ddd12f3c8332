"""The gateway's HTTP routers, one per domain; ERRORS documents the error body on every route."""
from __future__ import annotations

import logging

from gateway.errors import ErrorBody

logger = logging.getLogger(__name__)


def errors(*codes: int) -> dict:
    """OpenAPI documentation of the error answers a route can give (all share the error body)."""
    described = {400: "Bad request", 401: "Kiosk or applicant not authenticated", 403: "Not allowed for this kiosk",
                 404: "Not found", 408: "The request body arrived too slowly", 409: "Conflicts with the current state",
                 413: "The request body is over the route's limit", 422: "Invalid request",
                 429: "Rate limited", 502: "An external system refused or failed", 503: "Temporarily unavailable"}
    return {code: {"model": ErrorBody, "description": described[code]} for code in codes}


# 400: a body that is not even JSON (undecodable bytes); 422: JSON that does not fit the schema; 408 and 413: a body
# too slow or too large (gateway.request_limits, before the route is reached).
KIOSK_ERRORS = (400, 401, 403, 408, 413, 422, 429, 503)
