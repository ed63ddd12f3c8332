"""Staff sign-in: users and roles, server-side sessions behind a signed cookie, CSRF tokens, demo staff."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.dashboard.models import ROLES, DashboardSecret, StaffSession, StaffUser
from gateway.deps import audit
from gateway.secrets_at_rest import SecretUnreadable, is_sealed, seal_text, unseal_text
from gateway.models import Kiosk, utcnow
from secrethash import dummy_hash, hash_secret, verify_secret

logger = logging.getLogger(__name__)

COOKIE_NAME = "fleet_session"
SESSION_TTL = dt.timedelta(hours=8)
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")

# Demo users exist only in a gateway whose database holds demo kiosks (kiosk-gateway --demo); see ensure_demo_staff.
DEMO_STAFF = (("viewer", "viewer", "viewer-demo-pass"), ("operator", "operator", "operator-demo-pass"))


@dataclass(frozen=True)
class StaffIdentity:
    username: str
    role: str
    csrf_token: str

    @property
    def can_operate(self) -> bool:
        return self.role in ("operator", "admin")

    @property
    def can_administer(self) -> bool:
        """Disable, re-enable and re-key kiosks."""
        return self.role == "admin"


class StaffError(ValueError):
    """A staff account change refused, with a plain-English reason."""


def create_staff(db: Session, username: str, password: str, role: str, actor: str = "admin-cli") -> None:
    if not USERNAME_RE.match(username):
        raise StaffError("a username is 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter")
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise StaffError("a password needs at least 10 characters")
    if db.get(StaffUser, username) is not None:
        raise StaffError(f"staff user {username} already exists")
    db.add(StaffUser(username=username, password_hash=hash_secret(password), role=role))
    audit(db, actor, "staff_created", username, {"role": role})
    db.commit()
    logger.info("staff user %s created with role %s", username, role)


def set_staff_disabled(db: Session, username: str, disabled: bool, actor: str = "admin-cli") -> None:
    """Disables a staff account (its sessions stop working at once) or re-enables it; audited."""
    user = db.get(StaffUser, username)
    if user is None:
        raise StaffError(f"no staff user {username!r}")
    user.disabled = disabled
    audit(db, actor, "staff_disabled" if disabled else "staff_enabled", username, None)
    db.commit()
    logger.info("staff user %s %s by %s", username, "disabled" if disabled else "enabled", actor)


def ensure_demo_staff(db: Session) -> bool:
    """Idempotent: adds the demo viewer and operator when the database is a demo one (it holds demo kiosks) and they
    are missing. Returns whether this is a demo database."""
    if not db.execute(select(exists().where(Kiosk.demo.is_(True)))).scalar():
        return False
    for username, role, password in DEMO_STAFF:
        if db.get(StaffUser, username) is None:
            db.add(StaffUser(username=username, password_hash=hash_secret(password), role=role))
            try:
                db.commit()
            except IntegrityError:  # another gateway process added it first
                db.rollback()
            else:
                logger.info("demo staff user %s added", username)
    return True


def authenticate_staff(db: Session, username: str, password: str) -> StaffUser | None:
    user = db.get(StaffUser, username) if USERNAME_RE.match(username or "") else None
    db.commit()  # end the read before the deliberately slow hash: on SQLite a transaction holds the write lock
    if user is None or user.disabled:
        verify_secret(password, dummy_hash())
        return None
    return user if verify_secret(password, user.password_hash) else None


_COOKIE_KEY_PURPOSE = "dashboard-cookie-key"


def _signing_key(db: Session) -> bytes:
    """The cookie-signing key, kept sealed (gateway.secrets_at_rest); one left in clear by an older gateway, or one
    that this gateway's audit key cannot open, is replaced (signed-in staff then sign in again)."""
    row = db.get(DashboardSecret, "cookie_key")
    if row is not None and is_sealed(row.value):
        try:
            return unseal_text(row.value, _COOKIE_KEY_PURPOSE)
        except SecretUnreadable:
            logger.warning("the dashboard cookie key cannot be opened with this audit key: a new one is made")
    key = secrets.token_bytes(32)
    sealed = seal_text(key, _COOKIE_KEY_PURPOSE)
    if row is None:
        db.add(DashboardSecret(name="cookie_key", value=sealed))
    else:
        row.value = sealed
    try:
        db.commit()
    except IntegrityError:  # another gateway process made it first: use theirs
        db.rollback()
        return unseal_text(db.get(DashboardSecret, "cookie_key").value, _COOKIE_KEY_PURPOSE)
    return key


def _sign(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("ascii"), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(db: Session, user: StaffUser) -> str:
    """Returns the cookie value: '<token>.<hmac>'."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    db.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    db.add(StaffSession(token_hash=_token_hash(token), username=user.username, csrf_token=secrets.token_urlsafe(24),
                        created_at=now, expires_at=now + SESSION_TTL))
    audit(db, f"staff:{user.username}", "staff_signed_in", None, None)
    db.commit()
    logger.info("staff %s signed in", user.username)
    return f"{token}.{_sign(_signing_key(db), token)}"


def session_identity(db: Session, cookie: str | None) -> StaffIdentity | None:
    if not cookie or cookie.count(".") != 1:
        return None
    token, signature = cookie.split(".")
    if not token.isascii() or not hmac.compare_digest(_sign(_signing_key(db), token), signature):
        return None
    row = db.execute(select(StaffSession, StaffUser).join(StaffUser, StaffUser.username == StaffSession.username)
                     .where(StaffSession.token_hash == _token_hash(token))).one_or_none()
    if row is None:
        return None
    session, user = row
    if session.expires_at <= utcnow() or user.disabled:
        return None
    return StaffIdentity(user.username, user.role, session.csrf_token)


def end_session(db: Session, cookie: str | None) -> None:
    """Deletes the session row, so the cookie is worthless from now on, whatever copies of it exist."""
    if cookie and cookie.count(".") == 1 and cookie.isascii():
        token_hash = _token_hash(cookie.split(".")[0])
        session = db.get(StaffSession, token_hash)
        if session is None:
            return
        db.delete(session)
        audit(db, f"staff:{session.username}", "staff_signed_out", None, None)
        db.commit()


def csrf_ok(identity: StaffIdentity, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(identity.csrf_token.encode(), presented.encode("utf-8"))
