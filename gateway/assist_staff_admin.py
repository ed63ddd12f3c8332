"""Registering the staff who may vouch at a hall's kiosks (`kiosk-gateway assist-staff-add|list|revoke`)."""
from __future__ import annotations

import getpass
import json
import re
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.audit_chain import append as audit
from gateway.identity import valid_id_number
from gateway.models import utcnow
from gateway.staff_assist import AssistStaff, register_staff

STAFF_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
HALL = re.compile(r"[A-Za-z0-9_.-]{1,64}")
PIN = re.compile(r"\d{6,12}")  # the kiosk's staff PIN pad takes up to 12 digits
COMMANDS = ("assist-staff-add", "assist-staff-list", "assist-staff-revoke")


class Refused(ValueError):
    """Bad input: the message says what to fix; nothing was changed."""


def add_parsers(sub) -> None:
    add = sub.add_parser("assist-staff-add", allow_abbrev=False, help="register a hall's staff member for staff-assisted checks (their "
                                                  "staff card and PIN; without a card they use one-time QR codes)")
    add.add_argument("staff_id")
    add.add_argument("--hall", required=True, help="the hall: a kiosk id without its machine number (demo-hall)")
    card = add.add_mutually_exclusive_group()
    card.add_argument("--card-file", type=Path, help="file holding the staff card's ID number (never on argv)")
    card.add_argument("--card-prompt", action="store_true", help="type the staff card's ID number at a prompt")
    add.add_argument("--pin-file", type=Path, help="file holding the PIN, 6-12 digits (else asked twice at a prompt)")
    add.add_argument("--replace", action="store_true", help="replace a registered staff member's card and PIN")
    listing = sub.add_parser("assist-staff-list", help="list the registered staff (no card numbers, no PINs)")
    listing.add_argument("--hall")
    revoke = sub.add_parser("assist-staff-revoke", help="refuse a staff member's card and QR codes from now on")
    revoke.add_argument("staff_id")


def _read_secret(path: Path | None, prompt: str, twice: bool, what: str) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:  # the path is not echoed: it could be a mistyped secret
            raise Refused(f"cannot read the {what} file ({type(exc).__name__})") from None
    first = getpass.getpass(prompt)
    if twice and getpass.getpass("again: ") != first:
        raise Refused("the two entries differ")
    return first.strip()


def run(db: Session, args, references, actor: str) -> int:
    """One of COMMANDS; a refusal prints one line on stderr and changes nothing."""
    try:
        if args.command == "assist-staff-add":
            print(add(db, args, references, actor))
        elif args.command == "assist-staff-list":
            for row in listing(db, args.hall):
                print(json.dumps(row, ensure_ascii=False))
        else:
            print(revoke(db, args.staff_id, actor))
    except Refused as exc:
        db.rollback()
        print(f"kiosk-gateway: {exc} (nothing was changed)", file=sys.stderr)
        return 1
    return 0


def add(db: Session, args, references, actor: str) -> str:
    if not STAFF_ID.fullmatch(args.staff_id):
        raise Refused("a staff id is 1-32 letters, digits, '.', '_' or '-'")
    if not HALL.fullmatch(args.hall):
        raise Refused("a hall is 1-64 letters, digits, '.', '_' or '-'")
    existing = db.get(AssistStaff, args.staff_id)
    if existing is not None and not args.replace:
        raise Refused(f"staff member {args.staff_id} is registered already; give --replace to change them")
    card = None
    if args.card_file or args.card_prompt:
        card = _read_secret(args.card_file, "staff card ID number: ", False, "card").upper()
        if not valid_id_number(card):
            raise Refused("the staff card's ID number is not a valid 18-character resident ID number")
        owner = db.execute(select(AssistStaff.staff_id).where(
            AssistStaff.card_key == references.subject_key("staff-card:" + card))).scalar_one_or_none()
        if owner is not None and owner != args.staff_id:
            raise Refused(f"this card is registered to staff member {owner} already")
    pin = _read_secret(args.pin_file, "PIN (6-12 digits): ", True, "PIN")
    if not PIN.fullmatch(pin):
        raise Refused("a PIN is 6-12 digits")
    try:
        register_staff(db, references, args.staff_id, args.hall, pin, card)
    except IntegrityError:
        raise Refused("this card is registered to another staff member") from None
    audit(db, actor, "assist_staff_registered", args.staff_id,
          {"hall": args.hall, "card": card is not None, "replaced": existing is not None})
    db.commit()
    how = "card and PIN" if card else "PIN (one-time QR codes from /dashboard/assist-qr)"
    return f"staff member {args.staff_id} registered for {args.hall}: {how}"


def listing(db: Session, hall: str | None) -> list[dict]:
    query = select(AssistStaff).order_by(AssistStaff.hall, AssistStaff.staff_id)
    if hall:
        query = query.where(AssistStaff.hall == hall)
    now = utcnow()
    return [{"staff_id": s.staff_id, "hall": s.hall, "card": s.card_key is not None, "enabled": bool(s.enabled),
             "locked": s.locked_until is not None and s.locked_until > now} for s in db.execute(query).scalars()]


def revoke(db: Session, staff_id: str, actor: str) -> str:
    staff = db.get(AssistStaff, staff_id)
    if staff is None:
        raise Refused(f"no staff member {staff_id!r}")
    if not staff.enabled:
        return f"staff member {staff_id} was already revoked"
    staff.enabled = False  # gateway.staff_assist.staff_for refuses their card and any QR code of theirs
    audit(db, actor, "assist_staff_revoked", staff_id, {})
    db.commit()
    return f"staff member {staff_id} revoked"
