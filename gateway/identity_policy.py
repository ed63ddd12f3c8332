"""Which verification methods a kiosk may use: gateway-side policy per kiosk, never a string the kiosk chooses."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.errors import ApiError
from gateway.identity_models import IdentityPolicy

logger = logging.getLogger(__name__)

# face: the gateway's own match of live encodings against the registry portrait (POST /v1/identity-verifications).
# card_only: the card read alone, for the services the policy lists (a site's decision, off by default).
# card_only_demo: the demo's card-only method, for demo kiosks only.
# staff_assisted: a staff member of the hall vouches for the applicant with their credential and PIN (issue 21,
# POST /v1/staff-assisted-verifications); its token opens only the services the policy lists for it.
KNOWN_METHODS = frozenset({"face", "card_only", "card_only_demo", "staff_assisted"})


# A demo kiosk without a policy row: staff may vouch for the reading services (a real kiosk: none, until set).
DEMO_STAFF_ASSISTED_SERVICES = frozenset({"case_status", "e_certificate", "transfers"})


@dataclass(frozen=True)
class KioskPolicy:
    methods: frozenset[str]
    card_only_services: frozenset[str]
    max_ids_per_hour: int
    max_failures_per_hour: int
    staff_assisted_services: frozenset[str] = frozenset()  # what a staff-assisted token opens (gateway.staff_assist)


def policy_for(db: Session, kiosk, settings) -> KioskPolicy:
    """The kiosk's row, else the default: face only (plus card_only_demo on a demo kiosk), the settings' caps."""
    row = db.get(IdentityPolicy, kiosk.kiosk_id)
    default_methods = {"face", "card_only_demo", "staff_assisted"} if kiosk.demo else {"face"}
    if row is None:
        return KioskPolicy(frozenset(default_methods), frozenset(), settings.identity_max_ids_per_hour,
                           settings.identity_max_failures_per_hour,
                           DEMO_STAFF_ASSISTED_SERVICES if kiosk.demo else frozenset())
    methods = frozenset(m for m in row.methods or () if m in KNOWN_METHODS)
    if not kiosk.demo:
        methods -= {"card_only_demo"}
    return KioskPolicy(methods, frozenset(row.card_only_services or ()),
                       row.max_ids_per_hour if row.max_ids_per_hour is not None else settings.identity_max_ids_per_hour,
                       row.max_failures_per_hour if row.max_failures_per_hour is not None
                       else settings.identity_max_failures_per_hour,
                       frozenset(row.staff_assisted_services or ()))


def require_method(policy: KioskPolicy, method: str, service: str | None = None, *,
                   staff_vouched: bool = False) -> None:
    """Refuses an unknown method, one the kiosk's policy does not allow, and card_only for an unlisted service."""
    if method not in KNOWN_METHODS:
        raise ApiError(422, "unknown_method", "This verification method does not exist.")
    if method not in policy.methods:
        raise ApiError(403, "method_not_allowed", "This kiosk's policy does not allow this verification method.")
    if method == "card_only" and (service is None or service not in policy.card_only_services):
        raise ApiError(403, "method_not_allowed", "Card-only verification is not allowed for this service here.")
    if method == "staff_assisted" and not staff_vouched:
        raise ApiError(403, "method_not_available", "Staff-assisted verification needs a staff member's credential "
                                                    "and PIN: POST /v1/staff-assisted-verifications.")
    if method == "staff_assisted" and not policy.staff_assisted_services:
        raise ApiError(403, "method_not_allowed", "This kiosk's policy opens no service to staff-assisted checks.")
    if method == "staff_assisted" and service is not None and service not in policy.staff_assisted_services:
        raise ApiError(403, "method_not_allowed", "Staff-assisted verification is not allowed for this service here.")


def set_policy(db: Session, kiosk_id: str, methods: list[str], card_only_services: list[str] | None = None,
               max_ids_per_hour: int | None = None, max_failures_per_hour: int | None = None,
               staff_assisted_services: list[str] | None = None) -> None:
    """Writes a kiosk's policy (an admin step); unknown method names are a ValueError."""
    unknown = sorted(set(methods) - KNOWN_METHODS)
    if unknown:
        raise ValueError(f"unknown verification method(s): {', '.join(unknown)}")
    row = db.get(IdentityPolicy, kiosk_id)
    if row is None:
        row = IdentityPolicy(kiosk_id=kiosk_id)
        db.add(row)
    row.methods = sorted(set(methods))
    row.card_only_services = sorted(set(card_only_services or ()))
    row.max_ids_per_hour = max_ids_per_hour
    row.max_failures_per_hour = max_failures_per_hour
    row.staff_assisted_services = sorted(set(staff_assisted_services or ()))
