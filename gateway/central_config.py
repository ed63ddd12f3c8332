"""Central kiosk configuration: site profiles and per-kiosk overrides, versioned, validated with the kiosk's schema,
delivered in the heartbeat reply until the kiosk reports running it."""
from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import threading
import time
import tomllib
from dataclasses import dataclass

from sqlalchemy import JSON, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from config.central import canonical, check_overlay_shape, merge, overlay_hash, validate_over
from config.errors import ConfigError
from config.loader import profile_path
from gateway.deps import audit
from gateway.models import Base, Kiosk, utcnow

logger = logging.getLogger(__name__)

NAME_RE = r"^[A-Za-z0-9_.-]{1,64}$"


class ConfigRevision(Base):
    """One saved version of a site profile ("site:<name>") or a kiosk's override ("kiosk:<kiosk_id>"); the newest
    of a scope is the one in force, the older ones are its history."""

    __tablename__ = "config_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))
    body: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_config_revisions_scope", "scope", "id"),)


class KioskConfigSite(Base):
    """Which site profile a kiosk takes its central configuration from."""

    __tablename__ = "kiosk_config_sites"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))


class ConfigEffective(Base):
    """Every overlay a kiosk was ever meant to run, by its hash: the diff view finds what a kiosk runs from it."""

    __tablename__ = "config_effective"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    overlay: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]


class KioskConfigDesired(Base):
    """What each kiosk should run (computed when a profile or override is saved, so a heartbeat reads one row)."""

    __tablename__ = "kiosk_config_desired"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime]


class CentralConfigRefused(ValueError):
    """A profile or override that does not validate: the message names the kiosk, the key and the problem."""


@dataclass(frozen=True)
class Desired:
    version: str
    sha256: str
    overlay: dict


def parse_toml(text: str, what: str) -> dict:
    """A profile or override typed as TOML on the dashboard; CentralConfigRefused with the parser's words."""
    try:
        body = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError as exc:
        raise CentralConfigRefused(f"{what}: not valid TOML: {exc}") from None
    return check_shape(body, what)


def _base_for(site_kind: str) -> dict:
    """What the gateway validates an overlay over: the bundled profile of the kiosk's kind (the kiosk checks it again
    over its own site file, and refuses it if that fails)."""
    with open(profile_path(site_kind), "rb") as profile:
        return tomllib.load(profile)


def _latest(db, scope: str) -> ConfigRevision | None:
    return db.execute(select(ConfigRevision).where(ConfigRevision.scope == scope)
                      .order_by(ConfigRevision.id.desc()).limit(1)).scalar_one_or_none()


def current_body(db, scope: str) -> dict:
    latest = _latest(db, scope)
    return dict(latest.body) if latest is not None else {}


def history(db, scope: str, limit: int = 20) -> list[ConfigRevision]:
    return list(db.execute(select(ConfigRevision).where(ConfigRevision.scope == scope)
                           .order_by(ConfigRevision.id.desc()).limit(limit)).scalars())


def site_of(db, kiosk_id: str) -> str | None:
    row = db.get(KioskConfigSite, kiosk_id)
    return row.site if row is not None else None


def effective_for(db, kiosk: Kiosk, *, site: str | None = None, site_body: dict | None = None,
                  kiosk_body: dict | None = None) -> tuple[str, dict]:
    """(version, overlay) of a kiosk: its site profile with its own override merged in; the arguments stand in for
    what is about to be saved."""
    site = site if site is not None else site_of(db, kiosk.kiosk_id)
    site_rev = _latest(db, f"site:{site}") if site else None
    kiosk_rev = _latest(db, f"kiosk:{kiosk.kiosk_id}")
    site_part = site_body if site_body is not None else (dict(site_rev.body) if site_rev else {})
    kiosk_part = kiosk_body if kiosk_body is not None else (dict(kiosk_rev.body) if kiosk_rev else {})
    version = f"s{site_rev.id if site_rev else 0}.k{kiosk_rev.id if kiosk_rev else 0}"
    return version, merge(site_part, kiosk_part)


def _check(kiosk: Kiosk, overlay: dict) -> None:
    try:
        validate_over(_base_for(kiosk.site_kind), overlay, where=f"kiosk {kiosk.kiosk_id}")
    except ConfigError as exc:
        raise CentralConfigRefused(str(exc)) from None


def _kiosks_of_site(db, site: str) -> list[Kiosk]:
    ids = list(db.execute(select(KioskConfigSite.kiosk_id).where(KioskConfigSite.site == site)).scalars())
    return [k for k in (db.get(Kiosk, i) for i in sorted(ids)) if k is not None]


def _refresh_desired(db: Session, kiosk: Kiosk, now: dt.datetime) -> None:
    version, overlay = effective_for(db, kiosk)
    digest = overlay_hash(overlay)
    if db.get(ConfigEffective, digest) is None:
        db.add(ConfigEffective(sha256=digest, overlay=overlay, created_at=now))
    row = db.get(KioskConfigDesired, kiosk.kiosk_id)
    if row is None:
        db.add(KioskConfigDesired(kiosk_id=kiosk.kiosk_id, sha256=digest, version=version, updated_at=now))
    elif row.sha256 != digest or row.version != version:
        row.sha256, row.version, row.updated_at = digest, version, now
    db.flush()


def save_site_profile(db: Session, site: str, body: dict, actor: str) -> int:
    """A new version of a site profile, refused (nothing saved) if any kiosk of the site would not validate."""
    if not _valid_name(site):
        raise CentralConfigRefused("a site profile name is 1-64 letters, digits, '.', '_' or '-'")
    body = check_shape(body, f"site {site}")
    kiosks = _kiosks_of_site(db, site)
    for kiosk in kiosks:
        _check(kiosk, effective_for(db, kiosk, site=site, site_body=body)[1])
    revision = _add_revision(db, f"site:{site}", body, actor)
    now = utcnow()
    for kiosk in kiosks:
        _refresh_desired(db, kiosk, now)
    audit(db, actor, "config_site_saved", site, {"revision": revision.id, "sha256": revision.sha256})
    db.commit()
    forget_cache()
    logger.info("site profile %s saved as revision %d by %s (%d kiosks)", site, revision.id, actor, len(kiosks))
    return revision.id


def save_kiosk_override(db: Session, kiosk_id: str, body: dict, actor: str, site: str | None = None) -> int:
    """A new version of a kiosk's override (and, given, its site profile), refused if the result does not validate."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise CentralConfigRefused(f"no kiosk {kiosk_id!r}")
    if site is not None and site != "" and not _valid_name(site):
        raise CentralConfigRefused("a site profile name is 1-64 letters, digits, '.', '_' or '-'")
    body = check_shape(body, f"kiosk {kiosk_id}")
    chosen = site if site else site_of(db, kiosk_id)
    _check(kiosk, effective_for(db, kiosk, site=chosen or "", kiosk_body=body)[1])
    if site:
        row = db.get(KioskConfigSite, kiosk_id)
        if row is None:
            db.add(KioskConfigSite(kiosk_id=kiosk_id, site=site))
        else:
            row.site = site
    revision = _add_revision(db, f"kiosk:{kiosk_id}", body, actor)
    _refresh_desired(db, kiosk, utcnow())
    audit(db, actor, "config_kiosk_saved", kiosk_id, {"revision": revision.id, "site": chosen,
                                                     "sha256": revision.sha256})
    db.commit()
    forget_cache()
    logger.info("kiosk %s config override saved as revision %d by %s", kiosk_id, revision.id, actor)
    return revision.id


def check_shape(body, what: str) -> dict:
    try:
        return check_overlay_shape(body)
    except ConfigError as exc:
        raise CentralConfigRefused(f"{what}: {exc.key}: {exc.problem}" if exc.key else f"{what}: {exc.problem}")


def _valid_name(name: str) -> bool:
    import re

    return bool(re.fullmatch(NAME_RE, name or ""))


def _add_revision(db: Session, scope: str, body: dict, actor: str) -> ConfigRevision:
    revision = ConfigRevision(scope=scope, body=body, sha256=overlay_hash(body), created_at=utcnow(),
                              created_by=actor[:64])
    db.add(revision)
    db.flush()
    return revision


# -- the heartbeat's share ----------------------------------------------------------------------------------------
# Each process keeps what it read for a few seconds: a heartbeat then costs no query while nothing changes. A save in
# another process reaches this one's kiosks within CACHE_S (they apply it at their next idle moment anyway).
CACHE_S = 5.0
_desired_table = KioskConfigDesired.__table__
_effective_table = ConfigEffective.__table__
_DESIRED = (select(_desired_table.c.kiosk_id, _desired_table.c.version, _desired_table.c.sha256,
                   _effective_table.c.overlay)
            .join(_effective_table, _effective_table.c.sha256 == _desired_table.c.sha256))
_cache: dict = {"at": None, "rows": {}}
_cache_lock = threading.Lock()


def forget_cache() -> None:
    with _cache_lock:
        _cache["at"] = None


def _desired_rows(db) -> dict:
    now = time.monotonic()
    bind = id(getattr(db, "engine", None) or db.get_bind())
    with _cache_lock:
        if _cache["at"] is not None and now - _cache["at"] < CACHE_S and _cache.get("bind") == bind:
            return _cache["rows"]
    rows = {r.kiosk_id: Desired(r.version, r.sha256, dict(r.overlay)) for r in db.execute(_DESIRED)}
    with _cache_lock:
        _cache.update(at=now, rows=rows, bind=bind)
    return rows


def desired_for(db, kiosk_id: str) -> Desired | None:
    return _desired_rows(db).get(kiosk_id)


def heartbeat_reply_part(db, kiosk, body) -> dict:
    """What the heartbeat reply adds for central configuration: {"config": {...}} while the kiosk runs another
    overlay than the one it should (and has not refused this one), else nothing. db: the heartbeat's connection."""
    return _reply_part(desired_for(db, kiosk.kiosk_id), body)


def cached_reply_part(engine, kiosk_id: str, body) -> dict | None:
    """heartbeat_reply_part from this process's cache alone, without a query (PostgreSQL's one-statement heartbeat):
    None when the cache is stale or holds another database's rows, and the caller must ask with a connection."""
    with _cache_lock:
        fresh = (_cache["at"] is not None and time.monotonic() - _cache["at"] < CACHE_S
                 and _cache.get("bind") == id(engine))
        rows = _cache["rows"]
    return _reply_part(rows.get(kiosk_id), body) if fresh else None


def _reply_part(desired: "Desired | None", body) -> dict:
    if desired is None:
        return {}
    extra = getattr(body, "model_extra", None) or {}
    if extra.get("config_hash") == desired.sha256:
        return {}
    refused = extra.get("config_refused")
    if isinstance(refused, dict) and refused.get("hash") == desired.sha256:
        return {}  # it said why: sending it again changes nothing until staff fix it
    return {"config": {"version": desired.version, "hash": desired.sha256, "overlay": desired.overlay}}


# -- what the dashboard shows -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KioskConfigStatus:
    kiosk_id: str
    site: str | None
    desired: Desired | None
    running_hash: str | None
    running_version: str | None
    refused: dict | None

    @property
    def state(self) -> str:
        if self.desired is None:
            return "local"  # no central configuration: the kiosk runs its site file
        if self.running_hash == self.desired.sha256:
            return "applied"
        if self.refused and self.refused.get("hash") == self.desired.sha256:
            return "refused"
        return "pending"


def status_of(db: Session, kiosk: Kiosk) -> KioskConfigStatus:
    extra = kiosk.heartbeat_extra or {}
    row = db.get(KioskConfigDesired, kiosk.kiosk_id)
    desired = None
    if row is not None:
        effective = db.get(ConfigEffective, row.sha256)
        desired = Desired(row.version, row.sha256, dict(effective.overlay) if effective else {})
    refused = extra.get("config_refused") if isinstance(extra.get("config_refused"), dict) else None
    return KioskConfigStatus(kiosk.kiosk_id, site_of(db, kiosk.kiosk_id), desired,
                             str(extra["config_hash"]) if extra.get("config_hash") else None,
                             str(extra["config_version"]) if extra.get("config_version") else None, refused)


def running_overlay(db: Session, status: KioskConfigStatus) -> dict | None:
    """The overlay the kiosk reports running ({} when it runs none), None when the gateway never issued it."""
    if status.running_hash is None:
        return {}
    effective = db.get(ConfigEffective, status.running_hash)
    return dict(effective.overlay) if effective is not None else None


def as_text(overlay: dict) -> list[str]:
    """One line per setting, `section.key = value`, sorted: what the diff compares."""
    lines = []

    def walk(prefix: str, node):
        if isinstance(node, dict):
            for key in sorted(node):
                walk(f"{prefix}.{key}" if prefix else key, node[key])
        else:
            lines.append(f"{prefix} = {json.dumps(node, ensure_ascii=False, sort_keys=True)}")
    walk("", overlay)
    return lines


def diff(running: dict | None, desired: dict) -> list[tuple[str, str]]:
    """(kind, line) pairs, kind in '+', '-', ' ': the settings the kiosk will gain, lose and keep."""
    out = []
    for line in difflib.ndiff(as_text(running or {}), as_text(desired)):
        if line[:1] in "+- ":
            out.append((line[:1], line[2:]))
    return out


__all__ = ["ConfigRevision", "KioskConfigSite", "ConfigEffective", "KioskConfigDesired", "CentralConfigRefused",
           "save_site_profile", "save_kiosk_override", "heartbeat_reply_part", "status_of", "diff", "canonical"]


def to_toml(overlay: dict) -> str:
    """An overlay as TOML for the dashboard's edit box (tables of scalars and lists, nested tables as [a.b])."""
    out: list[str] = []

    def emit(prefix: str, table: dict):
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if scalars or not prefix:
            if prefix:
                out.append(f"[{prefix}]")
            for key in sorted(scalars):
                out.append(f"{key} = {json.dumps(scalars[key], ensure_ascii=False)}")
            if prefix:
                out.append("")
        for key in sorted(k for k, v in table.items() if isinstance(v, dict)):
            emit(f"{prefix}.{key}" if prefix else key, table[key])
    emit("", overlay)
    return "\n".join(out).strip() + "\n" if out else ""
