"""`python -m gateway.dashboard.staff`: add or disable dashboard staff accounts (the password is read from stdin)."""
from __future__ import annotations

import argparse
import getpass
import logging
import sys

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    from gateway.cli import DEFAULT_DATABASE
    from gateway.dashboard.auth import StaffError, create_staff
    from gateway.dashboard.models import ROLES, StaffUser
    from gateway.db import make_engine, make_sessionmaker, migrate

    parser = argparse.ArgumentParser(prog="python -m gateway.dashboard.staff")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a staff account; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    disable = sub.add_parser("disable", help="disable a staff account (its sessions stop working at once)")
    disable.add_argument("username")
    args = parser.parse_args(argv)

    engine = make_engine(args.database)
    migrate(engine)
    try:
        with make_sessionmaker(engine)() as db:
            if args.command == "add":
                password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
                try:
                    create_staff(db, args.username, password, args.role)
                except StaffError as exc:
                    print(f"staff: {exc}", file=sys.stderr)
                    return 1
                print(f"staff user {args.username} added ({args.role})")
            else:
                user = db.get(StaffUser, args.username)
                if user is None:
                    print(f"staff: no staff user {args.username!r}", file=sys.stderr)
                    return 1
                user.disabled = True
                db.commit()
                print(f"staff user {args.username} disabled")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
