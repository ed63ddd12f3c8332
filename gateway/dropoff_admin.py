"""Staff issue a locker drop-off code for a case from the command line (`kiosk-gateway dropoff-issue|dropoff-list`)."""
from __future__ import annotations

import datetime as dt
import json
import re
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.beijing_time import beijing
from gateway import dropoff
from gateway.models import Case, DropoffCode, Kiosk, Person, utcnow

COMMANDS = ("dropoff-issue", "dropoff-list")
CASE_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
STAFF_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MAX_DAYS = 30


class Refused(ValueError):
    """Bad input: the message says what to fix; nothing was changed."""


def add_parsers(sub) -> None:
    issue = sub.add_parser("dropoff-issue", allow_abbrev=False,
                           help="issue a drop-off code for a case at a pickup locker; the applicant gets it by SMS "
                                "(the digits are never printed)")
    issue.add_argument("case_id")
    issue.add_argument("--locker", required=True, help="the pickup locker's kiosk id (demo-locker-01)")
    issue.add_argument("--staff", required=True, help="the staff member issuing it (kept in the audit trail)")
    issue.add_argument("--days", type=int, default=dropoff.DEFAULT_TTL.days,
                       help=f"days the code stays valid (1-{MAX_DAYS}, default {dropoff.DEFAULT_TTL.days})")
    listing = sub.add_parser("dropoff-list", help="list drop-off codes not yet collected (no digits, no names)")
    listing.add_argument("--locker")


def run(db: Session, args, sms) -> int:
    """One of COMMANDS; a refusal prints one line on stderr and changes nothing."""
    try:
        if args.command == "dropoff-issue":
            print(json.dumps(issue(db, sms, args.case_id, args.locker, args.staff, args.days), ensure_ascii=False))
        else:
            for row in listing(db, args.locker):
                print(json.dumps(row, ensure_ascii=False))
    except Refused as exc:
        db.rollback()
        print(f"kiosk-gateway: {exc} (nothing was changed)", file=sys.stderr)
        return 1
    return 0


def issue(db: Session, sms, case_id: str, locker_id: str, staff_id: str, days: int) -> dict:
    """Checks everything before issuing, so a refusal leaves no code and sends no SMS."""
    if not CASE_ID.fullmatch(case_id):
        raise Refused("a case id is 1-32 letters, digits, '_' or '-'")
    if not STAFF_ID.fullmatch(staff_id):
        raise Refused("a staff id is 1-32 letters, digits, '.', '_' or '-'")
    if not 1 <= days <= MAX_DAYS:
        raise Refused(f"a code is valid for 1-{MAX_DAYS} days")
    case = db.get(Case, case_id)
    if case is None:
        raise Refused(f"no case {case_id!r}")
    locker = db.get(Kiosk, locker_id)
    if locker is None or locker.site_kind != "locker":
        raise Refused(f"no pickup locker {locker_id!r}")
    if not locker.enabled:
        raise Refused(f"the locker {locker_id} is disabled")
    person = db.get(Person, case.id_number)
    if person is None or not person.phone:
        raise Refused("the applicant of this case has no mobile number on file: a code could not reach them")
    try:
        row, _digits = dropoff.issue(db, sms, case_id, locker_id, staff_id, dt.timedelta(days=days))
    except dropoff.DropoffRefused as exc:
        raise Refused(exc.message) from None
    db.commit()
    return {"code_id": row.code_id, "case": case_id, "locker": locker_id,
            "expires_at": beijing(row.expires_at) + " (Beijing time)", "sms": "sent to the applicant"}


def listing(db: Session, locker_id: str | None) -> list[dict]:
    query = select(DropoffCode).where(DropoffCode.collected_at.is_(None)).order_by(DropoffCode.issued_at,
                                                                                  DropoffCode.code_id)
    if locker_id:
        query = query.where(DropoffCode.locker_id == locker_id)
    now = utcnow()
    out = []
    for r in db.execute(query).scalars():
        state = ("in the locker" if r.occupied_slot else "used" if r.used_at else "void" if r.lookup is None
                 else "expired" if r.expires_at <= now else "open")
        out.append({"code_id": r.code_id, "case": r.case_id, "locker": r.locker_id, "state": state,
                    "compartment": r.compartment, "expires_at": beijing(r.expires_at)})
    return out
