"""`kiosk audit verify`: check the kiosk's hash-chained audit log and name any removed, changed or reordered record."""
from __future__ import annotations

import logging
from pathlib import Path

from config import load_config
from kiosk.cli import CliError

logger = logging.getLogger(__name__)


def register(groups) -> None:
    audit = groups["top"].add_parser("audit", help="the kiosk's audit log").add_subparsers(dest="audit_action",
                                                                                         metavar="ACTION")
    audit.required = True
    verify = audit.add_parser("verify", help="verify the audit log's hash chain (exit 1 when it is broken)")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", help="site profile (TOML): its storage section names the database and key")
    source.add_argument("--db", type=Path, help="the offline store's SQLite file (with --key-file)")
    verify.add_argument("--key-file", type=Path, help="the storage key file (with --db)")
    verify.set_defaults(func=_verify)


def _paths(args) -> tuple[Path, Path]:
    if args.config:
        if args.key_file:
            raise CliError("--key-file goes with --db; with --config the key comes from the profile's storage section")
        storage = load_config(args.config).storage
        key = storage.key_file or Path(storage.data_dir) / "storage.key"
        return Path(storage.data_dir) / storage.database, Path(key)
    if not args.key_file:
        raise CliError("--db needs --key-file (the storage key that seals the audit log)")
    return args.db, args.key_file


def _verify(args) -> int:
    from offline_cache.audit import verify_chain
    from offline_cache.errors import OfflineCacheError
    from offline_cache.keyfile import load_key
    from offline_cache.store import Store

    db, key_file = _paths(args)
    if not db.is_file():
        raise CliError(f"no offline store at {db}")
    try:
        store = Store.open(db, load_key(key_file))
    except OfflineCacheError as exc:
        raise CliError(str(exc)) from None
    try:
        report = verify_chain(store)
    finally:
        store.close()
    span = f"records {report.first_seq}-{report.last_seq}" if report.records else "no records"
    purged = f", records up to {report.purged_through} purged by retention" if report.purged_through else ""
    if report.ok:
        print(f"ok: audit log intact: {report.records} {span}{purged}")
        return 0
    for problem in report.problems:
        print(f"{problem.kind}: {problem.message}")
    raise CliError(f"audit log BROKEN: {len(report.problems)} problem(s) in {report.records} record(s) ({span})")
