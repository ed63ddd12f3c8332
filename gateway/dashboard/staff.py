"""`python -m gateway.dashboard.staff`: add, disable or re-enable staff accounts, audited (password from stdin)."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    from gateway.cli import DEFAULT_DATABASE
    from gateway.dashboard.auth import StaffError, create_staff, set_staff_disabled
    from gateway.dashboard.models import ROLES
    from gateway.db import make_engine, make_sessionmaker, migrate

    parser = argparse.ArgumentParser(prog="python -m gateway.dashboard.staff")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a staff account; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    disable = sub.add_parser("disable", help="disable a staff account (its sessions stop working at once)")
    disable.add_argument("username")
    enable = sub.add_parser("enable", help="re-enable a disabled staff account")
    enable.add_argument("username")
    args = parser.parse_args(argv)

    from gateway.audit_chain import sealed_with_this_key
    from gateway.cli import AUDIT_KEY_ENV, _use_audit_key

    try:  # every account change is audited: sealed with the gateway's key, as the gateway's admin commands do
        _use_audit_key(os.environ.get(AUDIT_KEY_ENV))
    except ValueError as exc:
        print(f"staff: {exc}", file=sys.stderr)
        return 1
    engine = make_engine(args.database)
    migrate(engine)
    try:
        with make_sessionmaker(engine)() as db:
            if not sealed_with_this_key(db):
                print(f"staff: this database's audit chain is sealed with another key; set {AUDIT_KEY_ENV} to the "
                      "gateway's audit key file (nothing was changed)", file=sys.stderr)
                return 1
            if args.command == "add":
                password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
                try:
                    create_staff(db, args.username, password, args.role)
                except StaffError as exc:
                    print(f"staff: {exc}", file=sys.stderr)
                    return 1
                print(f"staff user {args.username} added ({args.role})")
            else:
                try:
                    set_staff_disabled(db, args.username, args.command == "disable")
                except StaffError as exc:
                    print(f"staff: {exc}", file=sys.stderr)
                    return 1
                print(f"staff user {args.username} {args.command}d")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
