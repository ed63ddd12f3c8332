"""A release bundle: a tar of wheels and a manifest (version, config schema version, each file's SHA-256) signed
with Ed25519; verified against the keys the kiosk trusts before anything of it is used."""
from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
VERSION_RE = re.compile(r"^[0-9][0-9A-Za-z.+_-]{0,31}$")
WHEEL_RE = re.compile(r"^wheels/[A-Za-z0-9_.+-]{1,200}\.whl$")
MAX_BUNDLE_BYTES = 512 * 1024 * 1024


class BundleRefused(ValueError):
    """The bundle is not one to install: the message says why (never which byte)."""


@dataclass(frozen=True)
class Manifest:
    version: str
    config_schema: int
    files: dict  # wheels/<name>.whl -> sha256


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_public_keys(paths) -> list[Ed25519PublicKey]:
    keys = []
    for path in paths:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path}: not an Ed25519 public key")
        keys.append(key)
    return keys


def build_bundle(out: Path, wheels: list[Path], version: str, config_schema: int, key: Ed25519PrivateKey) -> Path:
    """Writes the signed bundle of these wheels; returns its path."""
    if not VERSION_RE.match(version):
        raise ValueError(f"not a release version: {version!r}")
    files = {f"wheels/{Path(w).name}": hashlib.sha256(Path(w).read_bytes()).hexdigest() for w in wheels}
    manifest = json.dumps({"version": version, "config_schema": config_schema, "files": files}, sort_keys=True,
                          indent=1).encode()
    with tarfile.open(out, "w") as tar:
        for name, data in ((MANIFEST, manifest), (SIGNATURE, key.sign(manifest))):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
        for wheel in wheels:
            tar.add(wheel, arcname=f"wheels/{Path(wheel).name}", recursive=False)
    return Path(out)


def verify_bundle(path: Path, trusted: list[Ed25519PublicKey], into: Path | None = None) -> Manifest:
    """Checks the signature against a trusted key, every file against the manifest, and nothing else in it; with
    `into`, writes the wheels there (only after all of it checked out)."""
    if not trusted:
        raise BundleRefused("this kiosk trusts no release key")
    try:
        if Path(path).stat().st_size > MAX_BUNDLE_BYTES:
            raise BundleRefused("the bundle is too large")
        tar = tarfile.open(path, "r:")
    except (OSError, tarfile.TarError) as exc:
        raise BundleRefused(f"not a release bundle ({type(exc).__name__})") from None
    with tar:
        members = {}
        for member in tar.getmembers():
            if not member.isfile() or member.name in members:
                raise BundleRefused(f"unexpected entry in the bundle: {member.name[:80]!r}")
            members[member.name] = member
        if MANIFEST not in members or SIGNATURE not in members:
            raise BundleRefused("the bundle has no signed manifest")
        manifest_bytes = tar.extractfile(members[MANIFEST]).read()
        signature = tar.extractfile(members[SIGNATURE]).read()
        for key in trusted:
            try:
                key.verify(signature, manifest_bytes)
                break
            except InvalidSignature:
                continue
        else:
            raise BundleRefused("the manifest's signature is not from a key this kiosk trusts")
        try:
            data = json.loads(manifest_bytes)
            manifest = Manifest(str(data["version"]), int(data["config_schema"]), dict(data["files"]))
        except (ValueError, KeyError, TypeError):
            raise BundleRefused("the manifest is not readable") from None
        if not VERSION_RE.match(manifest.version):
            raise BundleRefused("the manifest's version is not a release version")
        names = set(members) - {MANIFEST, SIGNATURE}
        if names != set(manifest.files) or not names:
            raise BundleRefused("the bundle's files are not the ones its manifest lists")
        contents = {}
        for name in sorted(names):
            if not WHEEL_RE.match(name):
                raise BundleRefused(f"unexpected file name in the bundle: {name[:80]!r}")
            blob = tar.extractfile(members[name]).read()
            if hashlib.sha256(blob).hexdigest() != manifest.files[name]:
                raise BundleRefused(f"{name} does not match the signed manifest")
            contents[name] = blob
    if into is not None:
        into.mkdir(parents=True, exist_ok=True)
        for name, blob in contents.items():
            (into / Path(name).name).write_bytes(blob)
    return manifest
