"""Signed release bundles and the release folder: a tampered or foreign bundle is refused before anything is
installed; a power cut in the middle of an install or a switch leaves the kiosk on a version that runs."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.updates.bundle import BundleRefused, build_bundle, load_public_keys, verify_bundle
from kiosk.updates.releases import CONFIG_SCHEMA, Releases
from kiosk_testkit.release_build import build_wheel
from tests.waiting import wait_for


def rewrite(bundle, out, change):
    """A copy of the bundle with change(name, data) -> data (or None to drop, or a list of extra (name, data))."""
    with tarfile.open(bundle) as tar:
        entries = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(out, "w") as tar:
        for name, data in change(entries):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def test_a_good_bundle_verifies_and_names_its_version(bundles, trusted_key_file, tmp_path):
    manifest = verify_bundle(bundles["0.3.0"], load_public_keys([trusted_key_file]), into=tmp_path / "w")
    assert manifest.version == "0.3.0" and manifest.config_schema == CONFIG_SCHEMA
    assert [p.name for p in (tmp_path / "w").iterdir()] == ["property_kiosk-0.3.0-py3-none-any.whl"]


def test_tampered_and_foreign_bundles_are_refused(bundles, trusted_key_file, tmp_path):
    keys = load_public_keys([trusted_key_file])
    good = bundles["0.3.0"]

    def flip_wheel_byte(entries):
        return [(n, d[:100] + bytes([d[100] ^ 1]) + d[101:] if n.endswith(".whl") else d) for n, d in entries]

    def edit_manifest(entries):
        out = []
        for name, data in entries:
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["version"] = "9.9.9"
                data = json.dumps(manifest).encode()
            out.append((name, data))
        return out

    def extra_file(entries):
        return entries + [("wheels/evil-1.0-py3-none-any.whl", b"PK")]

    def no_signature(entries):
        return [(n, d) for n, d in entries if n != "manifest.sig"]

    cases = {"flip": (flip_wheel_byte, "does not match the signed manifest"),
             "manifest": (edit_manifest, "not from a key this kiosk trusts"),
             "extra": (extra_file, "not the ones its manifest lists"),
             "unsigned": (no_signature, "no signed manifest")}
    for label, (change, words) in cases.items():
        bad = rewrite(good, tmp_path / f"{label}.bundle", change)
        with pytest.raises(BundleRefused, match=words):
            verify_bundle(bad, keys, into=tmp_path / label)
        assert not (tmp_path / label).exists(), "nothing of a refused bundle is written"
    other = build_bundle(tmp_path / "other.bundle", [build_wheel(tmp_path / "ow", "0.4.0")], "0.4.0", CONFIG_SCHEMA,
                         Ed25519PrivateKey.generate())
    with pytest.raises(BundleRefused, match="not from a key this kiosk trusts"):
        verify_bundle(other, keys)
    (tmp_path / "junk.bundle").write_bytes(b"not a tar at all")
    with pytest.raises(BundleRefused, match="not a release bundle"):
        verify_bundle(tmp_path / "junk.bundle", keys)
    releases = Releases(tmp_path / "opt")
    releases.install_first(bundles["0.1.0"], keys)
    with pytest.raises(BundleRefused):
        releases.install(rewrite(good, tmp_path / "t.bundle", flip_wheel_byte), keys)
    assert releases.installed() == ["0.1.0"] and releases.current() == "0.1.0"


def test_install_beside_switch_and_roll_back(bundles, trusted_key_file, tmp_path):
    keys = load_public_keys([trusted_key_file])
    releases = Releases(tmp_path / "opt")
    assert releases.install_first(bundles["0.1.0"], keys) == "0.1.0"
    site = releases.site_dir("0.1.0")
    assert 'version__ = "0.1.0"' in (site / "kiosk" / "__init__.py").read_text()
    releases.install(bundles["0.3.0"], keys)
    assert releases.current() == "0.1.0" and releases.installed() == ["0.1.0", "0.3.0"]  # beside, not switched
    releases.switch("0.3.0")
    assert releases.current() == "0.3.0" and releases.version_of("previous") == "0.1.0"
    assert releases.state()["state"] == "trial"
    releases.recover()  # the first start of the trial version
    assert releases.current() == "0.3.0"
    releases.recover()  # started again before it was found healthy: it stopped
    assert releases.current() == "0.1.0"
    state = releases.state()
    assert state["state"] == "rolled_back" and state["failed"] == "0.3.0"


def test_a_power_cut_during_the_install_leaves_the_old_version_running(bundles, trusted_key_file, tmp_path):
    keys = load_public_keys([trusted_key_file])
    releases = Releases(tmp_path / "opt")
    releases.install_first(bundles["0.1.0"], keys)
    script = ("import sys; from pathlib import Path; from kiosk.updates.releases import Releases; "
              "from kiosk.updates.bundle import load_public_keys; "
              "Releases(Path(sys.argv[1])).install(Path(sys.argv[2]), load_public_keys([sys.argv[3]]))")
    installer = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "opt"), str(bundles["0.3.0"]),
                                  str(trusted_key_file)], start_new_session=True)
    incoming = tmp_path / "opt" / "releases" / ".incoming.partial" / "wheels"
    # The wheels are checked and unpacked; pip is about to run or running (seconds): the power goes now.
    wait_for(lambda: any(incoming.glob("*.whl")) or installer.poll() is not None, 60, "the install under way")
    os.killpg(installer.pid, signal.SIGKILL)
    installer.wait()
    assert installer.returncode == -signal.SIGKILL, "the install finished before the power cut"
    partial = tmp_path / "opt" / "releases" / "0.3.0.partial"
    assert "0.3.0" not in releases.installed()
    assert releases.current() == "0.1.0"
    releases.recover()  # what the launcher does at the next start
    assert releases.current() == "0.1.0" and not partial.exists()
    assert not any(p.name.endswith(".partial") for p in (tmp_path / "opt" / "releases").iterdir())
    assert releases.state()["state"] == "stable"
    releases.install(bundles["0.3.0"], keys)  # and the next try goes through
    assert "0.3.0" in releases.installed()


def test_a_power_cut_during_the_switch_starts_the_new_version_as_a_trial(bundles, trusted_key_file, tmp_path):
    keys = load_public_keys([trusted_key_file])
    releases = Releases(tmp_path / "opt")
    releases.install_first(bundles["0.1.0"], keys)
    releases.install(bundles["0.3.0"], keys)
    # The state says a switch began; the symlink was not changed yet when the power went.
    releases.set_state(state="switching", to="0.3.0", previous="0.1.0", window_s=30)
    releases.recover()
    assert releases.current() == "0.3.0" and releases.version_of("previous") == "0.1.0"
    assert releases.state()["state"] == "trial" and releases.state()["starts"] == 1


def test_a_crash_within_the_window_after_a_healthy_start_rolls_back(bundles, trusted_key_file, tmp_path):
    keys = load_public_keys([trusted_key_file])
    now = [1000.0]
    releases = Releases(tmp_path / "opt", clock=lambda: now[0])
    releases.install_first(bundles["0.1.0"], keys)
    releases.install(bundles["0.3.0"], keys)
    releases.switch("0.3.0", window_s=60)
    releases.recover()
    releases.confirm()  # its health check passed
    assert releases.state()["state"] == "healthy"
    now[0] += 30  # it crashed 30 s later: the supervisor starts it again
    releases.recover()
    assert releases.current() == "0.1.0" and releases.state()["reason"] == "the new version crashed within its window"
    # The same, past the window: the version stays and becomes stable.
    releases.install(bundles["0.3.0"], keys)
    releases.switch("0.3.0", window_s=60)
    releases.recover()
    releases.confirm()
    now[0] += 61
    releases.recover()
    assert releases.current() == "0.3.0" and releases.state()["state"] == "stable"
