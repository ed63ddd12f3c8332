"""A small certificate authority for the kiosk link: a CA, the gateway's server certificate, one client certificate per
kiosk (CN = kiosk id). For the demo and tests; a real site uses its own PKI with the same layout.

    .venv/bin/python scripts/kiosk_ca.py init   --dir var/pki
    .venv/bin/python scripts/kiosk_ca.py server --dir var/pki --host gateway.example.cn --ip 127.0.0.1
    .venv/bin/python scripts/kiosk_ca.py kiosk  --dir var/pki demo-hall-01

Files in DIR: ca.pem / ca.key, server.pem / server.key, kiosks/<kiosk id>.pem / .key (keys mode 0600).
"""
from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import logging
import os
import re
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)

KIOSK_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class CaError(Exception):
    """A one-line problem for the user (exit 1)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _write_key(path: Path, key) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    except FileNotFoundError:
        raise CaError(f"no CA in {directory}: run `kiosk_ca.py init --dir {directory}` first") from None
    except ValueError as exc:
        raise CaError(f"the CA in {directory} cannot be read ({exc})") from None
    return cert, key


def create_ca(directory: Path, name: str = "Property Kiosk Demo CA", days: int = 3650) -> Path:
    """Create the CA key and self-signed certificate; refuses to overwrite an existing CA."""
    directory = Path(directory)
    if (directory / "ca.key").exists():
        raise CaError(f"{directory / 'ca.key'} exists already; not overwriting a CA")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(_now() - dt.timedelta(minutes=5))
            .not_valid_after(_now() + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write_key(directory / "ca.key", key)
    _write_cert(directory / "ca.pem", cert)
    return directory / "ca.pem"


def _issue(directory: Path, common_name: str, usage, sans: list[x509.GeneralName], days: int,
           out: Path) -> tuple[Path, Path]:
    ca_cert, ca_key = _load_ca(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
               .issuer_name(ca_cert.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(_now() - dt.timedelta(minutes=5))
               .not_valid_after(_now() + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write_key(out.with_suffix(".key"), key)
    _write_cert(out.with_suffix(".pem"), cert)
    return out.with_suffix(".pem"), out.with_suffix(".key")


def issue_server(directory: Path, hosts: list[str], ips: list[str], days: int = 825) -> tuple[Path, Path]:
    """The gateway's certificate: its host names and IP addresses as subject alternative names."""
    if not hosts and not ips:
        raise CaError("a server certificate needs at least one --host or --ip")
    try:
        sans = [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    except ValueError as exc:
        raise CaError(f"bad --ip: {exc}") from None
    return _issue(Path(directory), (hosts or ips)[0], ExtendedKeyUsageOID.SERVER_AUTH, sans, days,
                  Path(directory) / "server")


def issue_kiosk(directory: Path, kiosk_id: str, days: int = 825) -> tuple[Path, Path]:
    """A kiosk's client certificate; its CN is the kiosk id, which the gateway matches to the kiosk's API key."""
    if not KIOSK_ID.fullmatch(kiosk_id):
        raise CaError("a kiosk id is 1-64 letters, digits, '.', '_' or '-'")
    return _issue(Path(directory), kiosk_id, ExtendedKeyUsageOID.CLIENT_AUTH, [], days,
                  Path(directory) / "kiosks" / kiosk_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk_ca.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create the CA")
    init.add_argument("--name", default="Property Kiosk Demo CA")
    server = sub.add_parser("server", help="issue the gateway's server certificate")
    server.add_argument("--host", action="append", default=[], help="DNS name (repeatable)")
    server.add_argument("--ip", action="append", default=[], help="IP address (repeatable)")
    kiosk = sub.add_parser("kiosk", help="issue a kiosk's client certificate (CN = kiosk id)")
    kiosk.add_argument("kiosk_id")
    for p in (init, server, kiosk):
        p.add_argument("--dir", type=Path, required=True, help="the CA folder")
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            print(create_ca(args.dir, args.name))
        elif args.command == "server":
            print(" ".join(map(str, issue_server(args.dir, args.host, args.ip))))
        else:
            print(" ".join(map(str, issue_kiosk(args.dir, args.kiosk_id))))
    except CaError as exc:
        print(f"kiosk_ca.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
