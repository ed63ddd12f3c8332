"""The dashboard's central configuration pages: site profiles, each kiosk's override, state and diff."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gateway import central_config as central
from gateway.dashboard.router import _identity, _operator_form, _page, _secure, _to_login
from gateway.deps import Db
from gateway.models import Kiosk

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard/config", include_in_schema=False)
MAX_TOML = 16_000


def _sites(db) -> list[dict]:
    scopes = sorted(set(db.execute(select(central.ConfigRevision.scope)
                                   .where(central.ConfigRevision.scope.like("site:%"))).scalars()))
    sites = []
    for scope in scopes:
        latest = central.history(db, scope, 1)[0]
        sites.append({"name": scope[5:], "revision": latest.id, "by": latest.created_by,
                      "at": latest.created_at.isoformat(timespec="seconds"), "toml": central.to_toml(latest.body)})
    return sites


@router.get("")
def config_page(request: Request, db: Db, notice: str = "", error: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    kiosks = []
    for kiosk in db.execute(select(Kiosk).order_by(Kiosk.kiosk_id)).scalars():
        status = central.status_of(db, kiosk)
        kiosks.append({"kiosk_id": kiosk.kiosk_id, "site": status.site or "", "state": status.state,
                       "desired": status.desired.version if status.desired else "",
                       "running": status.running_version or ""})
    context = {"me": identity, "sites": _sites(db), "kiosks": kiosks, "notice": notice[:200], "error": error[:300]}
    db.rollback()
    return _page(request, "config.html", context)


@router.get("/kiosks/{kiosk_id}")
def kiosk_config_page(request: Request, db: Db, kiosk_id: str, notice: str = "", error: str = "") -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        return _page(request, "message.html", {"me": identity, "message": "No such kiosk."}, status=404)
    status = central.status_of(db, kiosk)
    running = central.running_overlay(db, status)
    desired = status.desired.overlay if status.desired else {}
    context = {"me": identity, "kiosk_id": kiosk_id, "status": status, "state": status.state,
               "diff": central.diff(running, desired), "running_known": running is not None,
               "override": central.to_toml(central.current_body(db, f"kiosk:{kiosk_id}")),
               "history": [{"id": r.id, "by": r.created_by, "at": r.created_at.isoformat(timespec="seconds")}
                           for r in central.history(db, f"kiosk:{kiosk_id}")],
               "notice": notice[:200], "error": error[:300]}
    db.rollback()
    return _page(request, "kiosk_config.html", context)


@router.post("/sites")
def save_site(request: Request, db: Db, site: Annotated[str, Form(max_length=64)] = "",
              body: Annotated[str, Form(max_length=MAX_TOML)] = "",
              csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "change the central configuration")
    if refusal is not None:
        return refusal
    try:
        revision = central.save_site_profile(db, site.strip(), central.parse_toml(body, f"site {site.strip()}"),
                                             identity.username)
    except central.CentralConfigRefused as exc:
        db.rollback()
        return _refused(request, identity, str(exc))
    return _secure(RedirectResponse(f"/dashboard/config?notice=site+saved+as+revision+{revision}", status_code=303))


@router.post("/kiosks/{kiosk_id}")
def save_kiosk(request: Request, db: Db, kiosk_id: str, site: Annotated[str, Form(max_length=64)] = "",
               body: Annotated[str, Form(max_length=MAX_TOML)] = "",
               csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    identity, refusal = _operator_form(request, db, csrf, "change the central configuration")
    if refusal is not None:
        return refusal
    try:
        revision = central.save_kiosk_override(db, kiosk_id, central.parse_toml(body, f"kiosk {kiosk_id}"),
                                               identity.username, site=site.strip() or None)
    except central.CentralConfigRefused as exc:
        db.rollback()
        return _refused(request, identity, str(exc))
    return _secure(RedirectResponse(f"/dashboard/config/kiosks/{kiosk_id}?notice=saved+as+revision+{revision}",
                                    status_code=303))


def _refused(request: Request, identity, reason: str) -> Response:
    return _page(request, "message.html", {"me": identity, "message": f"Configuration refused, nothing saved: "
                                                                      f"{reason}"}, status=400)
