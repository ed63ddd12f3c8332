"""`kiosk-gateway`: serve the gateway (optionally with demo data), register kiosks, queue fleet commands."""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import socket
import sys
from pathlib import Path

from gateway.settings import GatewaySettings

logger = logging.getLogger(__name__)

SETTINGS_ENV = "KIOSK_GATEWAY_SETTINGS"
AUDIT_KEY_ENV = "KIOSK_GATEWAY_AUDIT_KEY_FILE"  # the audit seal key file for the admin commands
PAYMENT_CONFIG_ENV = "KIOSK_GATEWAY_PAYMENT_CONFIG"
LOG_JSON_ENV = "KIOSK_GATEWAY_LOG_JSON"
METRICS_TOKEN_ENV = "KIOSK_GATEWAY_METRICS_TOKEN_FILE"
DEFAULT_DATABASE = f"sqlite:///{Path.cwd() / 'var' / 'gateway.db'}"


class _ScrubIdNumbers(logging.Filter):
    """Last line of defence: masks anything shaped like an ID number in a log line."""

    _ID = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = self._ID.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _StderrOfTheMoment(logging.StreamHandler):
    """sys.stderr as it is when a record is logged (one swapped since set-up, e.g. by a test, may be closed)."""

    stream = property(lambda self: sys.stderr, lambda self, _value: None)


def configure_logging(level: str, json_lines: bool = False) -> None:
    handler = _StderrOfTheMoment()
    if json_lines:  # one JSON object a line (python-json-logger) for the centre's log collector
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ScrubIdNumbers())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def _settings_to_env(settings: GatewaySettings) -> str:
    data = dataclasses.asdict(settings)
    data["faces_dir"] = str(data["faces_dir"])
    data["seal_dir"] = str(data["seal_dir"]) if data["seal_dir"] else None
    return json.dumps(data)


def _settings_from_env() -> GatewaySettings:
    data = json.loads(os.environ[SETTINGS_ENV])
    data["faces_dir"] = Path(data["faces_dir"])
    data["seal_dir"] = Path(data["seal_dir"]) if data.get("seal_dir") else None
    return GatewaySettings(**data)


def app_from_env():
    """Uvicorn factory for worker processes: settings come from the environment the parent set."""
    from gateway.app import create_app

    configure_logging(os.environ.get("KIOSK_GATEWAY_LOG_LEVEL", "INFO"), os.environ.get(LOG_JSON_ENV) == "1")
    # The event loop (and with it every heartbeat on SQLite, gateway.db.run_db) shares the GIL with the worker
    # threads of the sync endpoints; a dashboard read of thousands of kiosks would otherwise keep it for the default
    # 5 ms at a time, each time the loop wants it back.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    return create_app(dataclasses.replace(_settings_from_env(), run_migrations=False))


GIL_SWITCH_INTERVAL_S = 0.001


def _serve_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk-gateway", description="The gateway the kiosks talk to. Other commands: "
                                "`kiosk-gateway add-kiosk ...`, `kiosk-gateway queue-command ...`.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8600)
    p.add_argument("--database", default=DEFAULT_DATABASE, help="SQLAlchemy URL (SQLite or PostgreSQL)")
    p.add_argument("--demo", action="store_true", help="seed demo persons, cases and kiosks; print their credentials")
    p.add_argument("--credentials-out", type=Path, help="with --demo: write the kiosk credentials JSON here")
    p.add_argument("--public-url", help="base URL phones and verifiers use (default http://HOST:PORT)")
    p.add_argument("--workers", type=int, default=1,
                   help="uvicorn worker processes (stateless; default 1). On SQLite one is usually fastest (one write "
                        "lock for the whole database: bench/bench_gateway.py); two keep heartbeats quick while staff "
                        "load the dashboard of a large fleet (bench/bench_fleet.py); more for PostgreSQL")
    p.add_argument("--pgbouncer", action="store_true",
                   help="the database URL is a PgBouncer in transaction pooling mode: no prepared statements")
    p.add_argument("--rate-limit-per-minute", type=int, default=GatewaySettings.rate_limit_per_minute,
                   help="requests per kiosk per minute (0 = no limit)")
    p.add_argument("--token-ttl", type=int, default=GatewaySettings.applicant_token_ttl_s,
                   help="applicant token lifetime in seconds")
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    p.add_argument("--tls-client-ca", type=Path,
                   help="require a client certificate signed by this CA (mutual TLS: each kiosk has its own)")
    p.add_argument("--production", action="store_true",
                   help="kiosk API only over mutual TLS (needs --tls-cert, --tls-key, --tls-client-ca); each kiosk's "
                        "certificate CN must match its API key")
    p.add_argument("--audit-key-file", type=Path, default=os.environ.get(AUDIT_KEY_ENV) or None,
                   help="secret that seals the audit chain's head (required with --production; "
                        f"default ${AUDIT_KEY_ENV}, else the demo key)")
    p.add_argument("--public", action="store_true",
                   help="serve only the pages phones, verifiers and payment providers open (/invoices, /verify, "
                        "/e-certificates, /cases/<id>, /notifications/payments/wechat|alipay): no kiosk API, no "
                        "dashboard, no API documents. Needs --audit-key-file (it shares the gateway's database) and "
                        "the site's --payment-config to verify the notifications")
    p.add_argument("--seal-dir", type=Path,
                   help="the registration centre's seal folder (seal.pem, seal.key mode 0600, ca.pem, ca.crl); "
                        "with --demo a demo CA and seal are made in var/seal when not given")
    p.add_argument("--seal-tsa-url", help="the RFC 3161 time-stamping authority (required with --production)")
    p.add_argument("--material-store", default=None,
                   help="where application materials are kept, encrypted: a folder (default var/materials) or "
                        "s3://bucket?endpoint=https://host for an S3-compatible store shared by several hosts")
    p.add_argument("--payment-config", type=Path, default=os.environ.get(PAYMENT_CONFIG_ENV) or None,
                   help="payment channels, merchant ids and where their keys are (gateway/payment_config.py; "
                        f"default ${PAYMENT_CONFIG_ENV}); without it only --demo has payment (simulated)")
    p.add_argument("--access-log", action="store_true", help="log every request line (off: URLs may carry secrets)")
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--log-json", action="store_true", help="log lines as JSON objects (python-json-logger), masked")
    p.add_argument("--metrics-token-file", type=Path, default=os.environ.get(METRICS_TOKEN_ENV) or None,
                   help="file holding the bearer token Prometheus scrapes /metrics with (mode 0600; default "
                        f"${METRICS_TOKEN_ENV}); without it /metrics answers only --metrics-allow and signed-in staff")
    p.add_argument("--metrics-allow", default="",
                   help="comma-separated addresses or networks that may scrape /metrics without a token")
    return p


def _admin_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk-gateway")
    p.add_argument("--database", default=DEFAULT_DATABASE)
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-kiosk", help="register a kiosk (or rotate its key) and print its API key")
    add.add_argument("kiosk_id")
    add.add_argument("--site-kind", choices=("hall", "bank", "locker"), required=True)
    for name, what in (("disable-kiosk", "refuse the kiosk's API key from now on (audited)"),
                       ("enable-kiosk", "accept a disabled kiosk's API key again (audited)"),
                       ("rotate-key", "give a kiosk a new API key, printed once; the old one stops working (audited)")):
        sub.add_parser(name, help=what).add_argument("kiosk_id")
    cmd = sub.add_parser("queue-command", help="queue a command for a kiosk's next heartbeat")
    cmd.add_argument("kiosk_id")
    cmd.add_argument("kind")
    cmd.add_argument("--args", default="{}", help="JSON object")
    sub.add_parser("migrate", help="bring the database schema up to date and exit")
    verify = sub.add_parser("audit-verify", help="verify the audit log's hash chain; exit 1 naming any removed, "
                                                 "changed or reordered entry")
    verify.add_argument("--anchor-file", type=Path,
                        help="a file outside the database: the chain must still hold the entry anchored there last; "
                             "an intact chain's head is appended to it")
    __import__("gateway.assist_staff_admin", fromlist=["x"]).add_parsers(sub)
    __import__("gateway.dropoff_admin", fromlist=["x"]).add_parsers(sub)
    return p


ADMIN_ACTOR = "admin-cli"  # the audit actor of every change made with these commands
ADMIN_COMMANDS = ("add-kiosk", "disable-kiosk", "enable-kiosk", "rotate-key", "queue-command", "migrate",
                  "audit-verify", "assist-staff-add", "assist-staff-list", "assist-staff-revoke", "dropoff-issue",
                  "dropoff-list")
_WRITING_COMMANDS = ("add-kiosk", "disable-kiosk", "enable-kiosk", "rotate-key", "queue-command", "assist-staff-add",
                     "assist-staff-revoke", "dropoff-issue")


def _admin(argv: list[str]) -> int:
    from gateway.db import make_engine, make_sessionmaker, migrate
    from gateway import kiosk_admin
    from gateway.fleet import UnknownKiosk, queue_command

    args = _admin_parser().parse_args(argv)
    try:
        audit_key = _use_audit_key(os.environ.get(AUDIT_KEY_ENV))
    except ValueError as exc:
        print(f"kiosk-gateway: {exc}", file=sys.stderr)
        return 1
    engine = make_engine(args.database)
    migrate(engine)
    with make_sessionmaker(engine)() as db:
        if args.command in _WRITING_COMMANDS:
            from gateway.audit_chain import sealed_with_this_key

            if not sealed_with_this_key(db):
                print(f"kiosk-gateway: this database's audit chain is sealed with another key; set {AUDIT_KEY_ENV} "
                      "to the gateway's audit key file (nothing was changed)", file=sys.stderr)
                engine.dispose()
                return 1
        if args.command == "add-kiosk":
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", args.kiosk_id):
                print("kiosk-gateway: a kiosk id is 1-64 letters, digits, '.', '_' or '-'", file=sys.stderr)
                return 1
            key = kiosk_admin.register(db, args.kiosk_id, args.site_kind, ADMIN_ACTOR)
            print(json.dumps({"kiosk_id": args.kiosk_id, "api_key": key, "site_kind": args.site_kind}))
        elif args.command in ("disable-kiosk", "enable-kiosk", "rotate-key"):
            try:
                if args.command == "rotate-key":
                    key = kiosk_admin.rotate_key(db, args.kiosk_id, ADMIN_ACTOR)
                    print(json.dumps({"kiosk_id": args.kiosk_id, "api_key": key}))
                else:
                    enabled = args.command == "enable-kiosk"
                    changed = kiosk_admin.set_enabled(db, args.kiosk_id, enabled, ADMIN_ACTOR)
                    state = "enabled" if enabled else "disabled"
                    print(f"kiosk {args.kiosk_id} {state}" if changed else f"kiosk {args.kiosk_id} was already {state}")
            except kiosk_admin.UnknownKiosk:
                print(f"kiosk-gateway: no kiosk {args.kiosk_id!r}", file=sys.stderr)
                engine.dispose()
                return 1
        elif args.command == "audit-verify":
            from gateway.audit_chain import read_anchor, verify_chain, write_anchor

            try:
                anchor = read_anchor(args.anchor_file) if args.anchor_file else None
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                print(f"kiosk-gateway: {exc}", file=sys.stderr)
                return 1
            report = verify_chain(db, anchor=anchor)
            engine.dispose()
            if report.ok:
                print(f"ok: audit log intact: {report.entries} entries, 1-{report.last_seq}")
                if args.anchor_file:
                    write_anchor(args.anchor_file, report)
                return 0
            for problem in report.problems:
                print(f"{problem.kind}: {problem.message}")
            print(f"kiosk-gateway: audit log BROKEN: {len(report.problems)} problem(s)", file=sys.stderr)
            return 1
        elif args.command.startswith("assist-staff-"):  # gateway.assist_staff_admin
            from gateway.assist_staff_admin import run
            from gateway.reference_store import ReferenceStore

            code = run(db, args, ReferenceStore(audit_key, None), ADMIN_ACTOR)
            engine.dispose()
            return code
        elif args.command.startswith("dropoff-"):  # gateway.dropoff_admin: the SMS goes out through the SMS adapter
            from gateway.adapters.sms import SimulatedSms
            from gateway.dropoff_admin import run as run_dropoff

            code = run_dropoff(db, args, SimulatedSms())
            engine.dispose()
            return code
        elif args.command == "queue-command":
            try:
                command_args = json.loads(args.args)
                if not isinstance(command_args, dict):
                    raise ValueError("--args must be a JSON object")
                print(queue_command(db, args.kiosk_id, args.kind, command_args, actor=ADMIN_ACTOR))
            except UnknownKiosk:
                print(f"kiosk-gateway: no kiosk {args.kiosk_id!r}", file=sys.stderr)
                return 1
            except ValueError as exc:
                print(f"kiosk-gateway: {exc}", file=sys.stderr)
                return 1
    engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    admin = ADMIN_COMMANDS
    if argv and argv[0] in admin or (len(argv) > 2 and argv[0] == "--database" and argv[2] in admin):
        return _admin(argv)
    args = _serve_parser().parse_args(argv)
    if args.production and not (args.tls_cert and args.tls_key and args.tls_client_ca):
        print("kiosk-gateway: --production needs --tls-cert, --tls-key and --tls-client-ca (mutual TLS)",
              file=sys.stderr)
        return 1
    if args.production and not args.audit_key_file:
        print("kiosk-gateway: --production needs --audit-key-file (the secret sealing the audit chain)",
              file=sys.stderr)
        return 1
    if args.demo and (args.production or args.public):
        print(f"kiosk-gateway: --demo cannot be combined with --{'production' if args.production else 'public'} "
              "(demo kiosks and staff have published credentials, and the simulated payment provider has a free "
              "/pay page); give --payment-config with the real providers", file=sys.stderr)
        return 1
    if not args.audit_key_file and (args.public or _shared_database(args.database) and not args.demo):
        print("kiosk-gateway: this database is shared with other gateway processes; --audit-key-file is required "
              "(the demo key would break the sealed audit chain)", file=sys.stderr)
        return 1
    try:
        audit_key = _use_audit_key(args.audit_key_file)
    except ValueError as exc:
        print(f"kiosk-gateway: {exc}", file=sys.stderr)
        return 1
    # --demo with --production was refused above: the demo seal is made for demo gateways only.
    if args.production and not (args.seal_dir and args.seal_tsa_url):
        print("kiosk-gateway: --production needs --seal-dir and --seal-tsa-url (the electronic seal and its TSA)",
              file=sys.stderr)
        return 1
    from gateway.payment_config import PaymentConfigError, load_payment_config, production_problems

    payment_problems = production_problems(args.payment_config, args.demo, public_url=args.public_url) \
        if args.production else []
    if not payment_problems and args.payment_config:
        try:
            load_payment_config(args.payment_config)
        except PaymentConfigError as exc:
            payment_problems = [str(exc)]
    if payment_problems:
        for problem in payment_problems:
            print(f"kiosk-gateway: {problem}", file=sys.stderr)
        return 1
    configure_logging(args.log_level, args.log_json)
    try:
        metrics_token, metrics_allow = _metrics_access(args.metrics_token_file, args.metrics_allow)
    except ValueError as exc:
        print(f"kiosk-gateway: {exc}", file=sys.stderr)
        return 1
    from gateway.db import make_engine, make_sessionmaker, migrate
    from gateway.seed import demo_credentials, seed_demo

    public_url = args.public_url or f"{'https' if args.tls_cert else 'http'}://{args.host}:{args.port}"
    try:
        seal_dir = _seal_dir(args, public_url)
    except ValueError as exc:
        print(f"kiosk-gateway: {exc}", file=sys.stderr)
        return 1
    settings = GatewaySettings(database_url=args.database, public_base_url=public_url, seal_dir=seal_dir,
                               seal_tsa_url=args.seal_tsa_url,
                               rate_limit_per_minute=args.rate_limit_per_minute,
                               applicant_token_ttl_s=args.token_ttl, require_client_cert=args.production,
                               audit_seal_key=audit_key, production=args.production, public_only=args.public,
                               demo=args.demo, simulated_payment=args.demo,
                               payment_config=str(args.payment_config) if args.payment_config else None,
                               database_prepared_statements=not args.pgbouncer,
                               metrics_token=metrics_token, metrics_allow=metrics_allow, log_json=args.log_json,
                               material_store=args.material_store)
    try:
        engine = make_engine(settings.database_url, prepared=settings.database_prepared_statements)
        migrate(engine)
    except Exception as exc:  # a bad URL or an unreachable server: one line, not a traceback
        print(f"kiosk-gateway: cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    from gateway.audit_chain import sealed_with_this_key

    with make_sessionmaker(engine)() as db:
        if not sealed_with_this_key(db):
            print("kiosk-gateway: this database's audit chain is sealed with another key; start with the gateway's "
                  "--audit-key-file", file=sys.stderr)
            engine.dispose()
            return 1
    if args.demo:
        from gateway.seed import DemoRefused

        with make_sessionmaker(engine)() as db:
            try:
                seed_demo(db)
                __import__("gateway.staff_assist", fromlist=["x"]).seed_demo_staff(db, settings.audit_seal_key)
            except DemoRefused as exc:
                print(f"kiosk-gateway: {exc}", file=sys.stderr)
                engine.dispose()
                return 1
            credentials = demo_credentials(db)
        text = json.dumps(credentials, indent=2)
        if args.credentials_out:
            from gateway.secret_files import create_private_file

            create_private_file(args.credentials_out)  # 0600 before the keys are written into it
            args.credentials_out.write_text(text + "\n", encoding="utf-8")
        print(text, flush=True)
    engine.dispose()
    os.environ[SETTINGS_ENV] = _settings_to_env(settings)
    os.environ["KIOSK_GATEWAY_LOG_LEVEL"] = args.log_level
    os.environ[LOG_JSON_ENV] = "1" if args.log_json else "0"
    if not args.payment_config and not args.demo:
        logger.warning("no --payment-config: this gateway takes no payments (payment orders answer 503)")
    logger.info("serving on http://%s:%d with %d worker(s)", args.host, args.port, args.workers)
    serve(args.host, args.port, args.workers, access_log=args.access_log, log_level=args.log_level,
          tls=tls_options(args.tls_cert, args.tls_key, args.tls_client_ca))
    return 0


def _shared_database(url: str) -> bool:
    """A server database (PostgreSQL): other gateway processes, on other hosts too, write the same audit chain."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).get_backend_name() != "sqlite"
    except Exception:
        return False


def _seal_dir(args, public_url: str) -> Path | None:
    """The seal folder to use, checked now so a bad one stops start-up with one line (the demo makes its own)."""
    from gateway import seal_pki
    from gateway.seal import SealError, SealFiles, Seal

    directory = args.seal_dir
    if directory is None and args.demo:
        # Beside the demo's SQLite file (each demo database its own seal), else in ./var.
        database = args.database.removeprefix("sqlite:///") if args.database.startswith("sqlite:///") else None
        directory = (Path(database).parent if database else Path.cwd() / "var") / "seal"
        seal_pki.ensure_demo_seal_pki(directory, GatewaySettings.office_name, f"{public_url.rstrip('/')}/seal/ca.crl")
    if directory is None:
        return None
    if args.production and (directory / seal_pki.TSA_KEY).exists():
        raise ValueError(f"{directory} holds the demo TSA key {seal_pki.TSA_KEY}; production stamps time at "
                         "--seal-tsa-url only")
    if args.production and (directory / seal_pki.CA_KEY).exists():
        raise ValueError(f"{directory} holds the CA's own key {seal_pki.CA_KEY}; keep it off the gateway")
    try:
        Seal.load(SealFiles(directory, args.seal_tsa_url), GatewaySettings.office_name)
    except SealError as exc:
        raise ValueError(str(exc)) from None
    return directory


def _use_audit_key(path) -> str:
    """Read the audit seal key file (or take the demo key when there is none) and seal with it in this process."""
    from gateway.audit_chain import DEMO_SEAL_KEY, use_seal_key
    from gateway.secret_files import LooseSecretFile, check_secret_file

    key = DEMO_SEAL_KEY
    if path:
        try:
            check_secret_file(Path(path))
        except LooseSecretFile as exc:
            raise ValueError(str(exc)) from None
        except OSError as exc:
            raise ValueError(f"cannot read the audit key file {path} ({type(exc).__name__})") from None
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read the audit key file {path} ({type(exc).__name__})") from None
        if len(key) < 16:
            raise ValueError(f"the audit key file {path} must hold a secret of at least 16 characters")
    use_seal_key(key)
    return key


def tls_options(cert: Path | None, key: Path | None, client_ca: Path | None) -> dict:
    """uvicorn's ssl_* options; with a client CA every connection must present a certificate it signed."""
    if not cert:
        if key or client_ca:
            raise SystemExit("kiosk-gateway: --tls-key and --tls-client-ca need --tls-cert")
        return {}
    from gateway.tls import uvicorn_options  # also reads each connection's client certificate CN

    return uvicorn_options(cert, key, client_ca)


def _metrics_access(token_file: Path | None, allow: str) -> tuple[str | None, str]:
    """The scrape token (read from its file, which must not be readable by others) and the checked allow-list."""
    from gateway.metrics import allowed_networks

    allowed_networks(allow)  # a bad entry stops start-up with its name
    if token_file is None:
        return None, allow
    try:
        if token_file.stat().st_mode & 0o077:
            raise ValueError(f"{token_file}: the metrics token file must be mode 0600")
        token = token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read the metrics token file {token_file}: {exc.strerror}") from None
    if len(token) < 16:
        raise ValueError(f"{token_file}: the metrics token needs at least 16 characters")
    return token, allow


def _multiprocess_metrics(workers: int) -> None:
    """Several workers: prometheus-client's multiprocess mode, in a fresh folder (set before any worker starts)."""
    from gateway.metrics import MULTIPROC_ENV

    if workers <= 1 or os.environ.get(MULTIPROC_ENV):
        return
    import tempfile

    os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="kiosk-gateway-metrics-")


def serve(host: str, port: int, workers: int, *, access_log: bool = False, log_level: str = "INFO",
          tls: dict | None = None) -> None:
    _multiprocess_metrics(workers)
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from gateway.slow_clients import uvicorn_options  # request-head deadline, connection bound

    config = uvicorn.Config("gateway.cli:app_from_env", factory=True, host=host, port=port, workers=workers,
                            access_log=access_log, log_config=None, log_level=log_level.lower(),
                            **{**uvicorn_options(), **(tls or {})})
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    sock = config.bind_socket()
    # Worker processes get the listening socket through a re-created socket object that asyncio does not recognise
    # as TCP, so it never sets TCP_NODELAY on accepted connections and every small response waits ~40 ms for a
    # delayed ACK. Accepted sockets inherit the option from the listener on Linux, so set it here.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
