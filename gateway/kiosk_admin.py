"""Kiosk lifecycle for administrators: register, disable, re-enable and rotate a kiosk's API key, each audited."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy.orm import Session

from gateway.deps import audit, sha256_hex
from gateway.models import Kiosk

logger = logging.getLogger(__name__)


class UnknownKiosk(LookupError):
    """No kiosk has this id."""


def _kiosk(db: Session, kiosk_id: str) -> Kiosk:
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise UnknownKiosk(kiosk_id)
    return kiosk


def set_enabled(db: Session, kiosk_id: str, enabled: bool, actor: str) -> bool:
    """Disables (its key is refused at once, 403 kiosk_disabled) or re-enables a kiosk; returns whether it changed."""
    kiosk = _kiosk(db, kiosk_id)
    changed = bool(kiosk.enabled) != enabled
    kiosk.enabled = enabled
    audit(db, actor, "kiosk_enabled" if enabled else "kiosk_disabled", kiosk_id, {"changed": changed})
    db.commit()
    logger.info("kiosk %s %s by %s", kiosk_id, "enabled" if enabled else "disabled", actor)
    return changed


def rotate_key(db: Session, kiosk_id: str, actor: str) -> str:
    """Gives the kiosk a new API key (the old one stops working at once) and returns it; only its hash is kept."""
    kiosk = _kiosk(db, kiosk_id)
    api_key = secrets.token_urlsafe(32)
    kiosk.api_key_hash = sha256_hex(api_key)
    kiosk.audit_head = None  # a re-keyed kiosk is re-provisioned: its audit log may start afresh
    audit(db, actor, "kiosk_key_rotated", kiosk_id, None)
    db.commit()
    logger.info("kiosk %s key rotated by %s", kiosk_id, actor)
    return api_key


def register(db: Session, kiosk_id: str, site_kind: str, actor: str) -> str:
    """Creates the kiosk, or gives an existing one a new key and site kind; returns the key."""
    existing = db.get(Kiosk, kiosk_id) is not None
    api_key = secrets.token_urlsafe(32)
    if existing:
        kiosk = db.get(Kiosk, kiosk_id)
        kiosk.api_key_hash, kiosk.site_kind, kiosk.audit_head = sha256_hex(api_key), site_kind, None
    else:
        db.add(Kiosk(kiosk_id=kiosk_id, site_kind=site_kind, api_key_hash=sha256_hex(api_key), enabled=True,
                     demo=False))
    audit(db, actor, "kiosk_key_rotated" if existing else "kiosk_registered", kiosk_id, {"site_kind": site_kind})
    db.commit()
    return api_key
