"""POST /v1/heartbeats without FastAPI's dependency solving: a well-formed heartbeat goes straight to its answer."""
from __future__ import annotations

import json
import logging

from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import ValidationError
from starlette.routing import Route

from gateway.request_limits import replay
from gateway.routers.fleet import Heartbeat, answer_heartbeat

logger = logging.getLogger(__name__)

PATH = "/v1/heartbeats"


class LeanHeartbeat:
    """ASGI app for the heartbeat's hot path. A request with a Bearer key and a JSON body the Heartbeat model takes
    is answered by answer_heartbeat, as the FastAPI route would; anything else (no key, another content type, a body
    that is not JSON or not a heartbeat) is handed to the FastAPI route unchanged, so refusals are its own."""

    def __init__(self, api_route: APIRoute):
        self.api_route = api_route

    async def __call__(self, scope, receive, send):
        scope["route"] = self.api_route  # the metrics' route label, as for the FastAPI route
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        body, api_key = _lean_parts(scope, raw)
        if body is None:
            return await self.api_route.handle(scope, replay(raw, receive), send)
        response = await answer_heartbeat(scope["app"].state, body, api_key)  # an ApiError: the app's handler
        return await response(scope, receive, send)


def _lean_parts(scope, raw: bytes) -> tuple[Heartbeat | None, str]:
    """The validated body and the API key, or (None, '') for a request the FastAPI route must answer."""
    authorization = content_type = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"content-type":
            content_type = value.decode("latin-1")
    scheme, api_key = get_authorization_scheme_param(authorization)
    if not (authorization and api_key) or scheme.lower() != "bearer" or content_type is None:
        return None, ""
    if content_type.partition(";")[0].strip().lower() != "application/json":
        return None, ""
    try:
        return Heartbeat.model_validate(json.loads(raw)), api_key
    except (ValueError, ValidationError):  # not JSON (json.JSONDecodeError, UnicodeDecodeError) or not a heartbeat
        return None, ""


def install(app) -> None:
    """Puts the lean route in front of the FastAPI one (which stays, for the API documents and the refusals), right
    after the health check (the benchmarks' floor), as the fleet router is."""
    from gateway.routers import fleet

    api_route = next(route for route in fleet.router.routes
                     if isinstance(route, APIRoute) and route.path == PATH and "POST" in route.methods)
    app.router.routes.insert(1, Route(PATH, LeanHeartbeat(api_route), methods=["POST"], include_in_schema=False))
