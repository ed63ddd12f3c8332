"""Release keys and bundles of real wheels built from this repository (kiosk_testkit.release_build)."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.updates.bundle import build_bundle
from kiosk.updates.releases import CONFIG_SCHEMA
from kiosk_testkit.release_build import build_wheel


@pytest.fixture(scope="session")
def release_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def trusted_key_file(tmp_path_factory, release_key):
    path = tmp_path_factory.mktemp("keys") / "release.pub"
    path.write_bytes(release_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.fixture(scope="session")
def bundles(tmp_path_factory, release_key):
    """version -> bundle path: 0.1.0 and 0.3.0 good, 0.2.0 a release whose gateway probe is broken."""
    out = tmp_path_factory.mktemp("bundles")
    made = {}
    for version, fault in (("0.1.0", None), ("0.2.0", "gateway_probe"), ("0.3.0", None)):
        wheel = build_wheel(out / version, version, fault)
        made[version] = build_bundle(out / f"kiosk-{version}.bundle", [wheel], version, CONFIG_SCHEMA, release_key)
    return made
