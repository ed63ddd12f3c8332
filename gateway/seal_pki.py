"""The registration centre's seal PKI for the demo and the tests: a CA, the seal certificate, a time-stamping
certificate for the local TSA, and the CA's certificate revocation list. A real site uses its CA's files in the same
layout (without tsa.key: production stamps time at a real TSA).

    .venv/bin/python -m gateway.seal_pki init   --dir var/seal --office 东莞市不动产登记中心 --crl-url URL/seal/ca.crl
    .venv/bin/python -m gateway.seal_pki revoke --dir var/seal    (puts the seal certificate on the CRL)

Files in the seal folder: ca.pem (the CA's certificate, the trust anchor of /verify), ca.crl (its CRL, DER),
seal.pem / seal.key (the seal certificate and its key), tsa.pem / tsa.key (demo only); ca.key only where the CA lives
(the demo keeps it beside the rest to revoke with). Keys are written mode 0600.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)

CA_CERT, CA_KEY, CA_CRL = "ca.pem", "ca.key", "ca.crl"
SEAL_CERT, SEAL_KEY = "seal.pem", "seal.key"
TSA_CERT, TSA_KEY = "tsa.pem", "tsa.key"
# RSA rather than EC: every PDF reader's verifier (poppler's NSS, Acrobat, the mobile apps) checks RSA PKCS#1 seals.
KEY_BITS = 2048


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def write_key(path: Path, key) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def _usage(**on) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def _issue(ca_cert, ca_key, subject: x509.Name, days: int, *, usage: x509.KeyUsage, crl_url: str,
           eku: list | None = None, eku_critical: bool = False):
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(_now() - dt.timedelta(minutes=5)).not_valid_after(_now() + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(usage, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False)
               # Where anyone finds the CA's CRL (the gateway serves it); verifiers check revocation against it.
               .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                   full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None,
                   crl_issuer=None)]), critical=False))
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
    return builder.sign(ca_key, hashes.SHA256()), key


def create_seal_pki(directory: Path, office: str, crl_url: str, *, ca_name: str = "不动产登记电子签章演示CA") -> Path:
    """A new CA, seal certificate (CN = the office), TSA certificate and an empty CRL in directory; crl_url is where
    the CRL is published (the gateway's /seal/ca.crl)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    subject = _name(ca_name, "不动产登记（演示）")
    ca_cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(_now() - dt.timedelta(minutes=5))
               .not_valid_after(_now() + dt.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    write_key(directory / CA_KEY, ca_key)
    (directory / CA_CERT).write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    seal_cert, seal_key = _issue(ca_cert, ca_key, _name(f"{office} 电子签章", office), 825,
                                 usage=_usage(digital_signature=True, content_commitment=True), crl_url=crl_url)
    write_key(directory / SEAL_KEY, seal_key)
    (directory / SEAL_CERT).write_bytes(seal_cert.public_bytes(serialization.Encoding.PEM))
    # No content commitment: only the seal certificate may seal a document (gateway.seal checks the key usage).
    tsa_cert, tsa_key = _issue(ca_cert, ca_key, _name("不动产登记时间戳服务（演示）", office), 825,
                               usage=_usage(digital_signature=True), crl_url=crl_url,
                               eku=[ExtendedKeyUsageOID.TIME_STAMPING], eku_critical=True)
    write_key(directory / TSA_KEY, tsa_key)
    (directory / TSA_CERT).write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
    write_crl(directory, [])
    logger.info("seal PKI created in %s", directory)
    return directory


def _ca(directory: Path):
    cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), password=None)
    return cert, key


def write_crl(directory: Path, serials: list[int]) -> Path:
    """The CA's CRL listing serials as revoked (key compromise), valid for a week, written as DER to ca.crl."""
    directory = Path(directory)
    cert, key = _ca(directory)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(cert.subject).last_update(_now())
               .next_update(_now() + dt.timedelta(days=7))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
               .add_extension(x509.CRLNumber(len(serials) + 1), critical=False))
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(_now() - dt.timedelta(seconds=1))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build())
    crl = builder.sign(key, hashes.SHA256())
    (directory / CA_CRL).write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return directory / CA_CRL


def revoke_seal(directory: Path) -> int:
    """Puts the seal certificate of directory on its CA's CRL (with those already there); returns its serial."""
    directory = Path(directory)
    serial = x509.load_pem_x509_certificate((directory / SEAL_CERT).read_bytes()).serial_number
    listed = [r.serial_number for r in x509.load_der_x509_crl((directory / CA_CRL).read_bytes())]
    write_crl(directory, sorted(set(listed) | {serial}))
    return serial


def ensure_demo_seal_pki(directory: Path, office: str, crl_url: str) -> Path:
    """The demo's seal folder: made on the first demo start, kept after (documents sealed before stay verifiable).

    Made in a fresh folder beside it and renamed into place, so two demos starting at once never mix two CAs."""
    directory = Path(directory)
    if (directory / SEAL_KEY).exists():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".seal-", dir=directory.parent))
    create_seal_pki(staging, office, crl_url)
    try:
        os.rename(staging, directory)
    except OSError:  # another start made it first: use theirs
        shutil.rmtree(staging, ignore_errors=True)
        if not (directory / SEAL_KEY).exists():
            raise
    return directory


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m gateway.seal_pki", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create a CA, seal and TSA certificate and an empty CRL")
    init.add_argument("--office", required=True)
    init.add_argument("--crl-url", required=True, help="where the gateway publishes the CRL (BASE/seal/ca.crl)")
    revoke = sub.add_parser("revoke", help="put the folder's seal certificate on its CA's CRL")
    for p in (init, revoke):
        p.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            if (args.dir / SEAL_KEY).exists():
                raise ValueError(f"{args.dir / SEAL_KEY} exists already; not overwriting a seal")
            print(create_seal_pki(args.dir, args.office, args.crl_url))
        else:
            print(f"revoked seal certificate serial {revoke_seal(args.dir):x}")
    except (OSError, ValueError) as exc:
        print(f"seal_pki: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
