"""The install_update command on the kiosk (kiosk.updates.health.Updater through kiosk.fleet.commands.execute, with
real bundles and the real installer): a tampered bundle offered by the gateway is a failed result and installs
nothing; a release the kiosk rolled back is refused unless the rollout was resumed (retry), which clears the mark;
nothing switches while an applicant is in session."""
from __future__ import annotations

import shutil

from kiosk.fleet.commands import CommandHandlers, execute
from kiosk.updates.bundle import load_public_keys
from kiosk.updates.health import Updater
from kiosk.updates.releases import Releases
from tests.kiosk.updates.test_bundle_and_releases import rewrite


def command(version, **args):
    return {"command_id": "C1", "kind": "install_update", "args": {"version": version, **args}}


def kiosk_with(tmp_path, bundles, trusted_key_file, offered, idle=lambda: False):
    releases = Releases(tmp_path / "opt")
    releases.install_first(bundles["0.1.0"], load_public_keys([trusted_key_file]))
    fetched = []

    def fetch(version, dest):
        fetched.append(version)
        shutil.copyfile(offered[version], dest)
    updater = Updater(releases, [trusted_key_file], fetch=fetch, idle=idle, restart=lambda _r: None, window_s=60)
    return releases, updater, fetched, CommandHandlers(install_update=updater.install)


def test_a_tampered_bundle_from_the_gateway_fails_the_command_and_installs_nothing(bundles, trusted_key_file,
                                                                                   tmp_path):
    def flip_wheel_byte(entries):
        return [(n, d[:100] + bytes([d[100] ^ 1]) + d[101:] if n.endswith(".whl") else d) for n, d in entries]
    tampered = rewrite(bundles["0.3.0"], tmp_path / "tampered.bundle", flip_wheel_byte)
    releases, updater, fetched, handlers = kiosk_with(tmp_path, bundles, trusted_key_file, {"0.3.0": tampered})
    result = execute(command("0.3.0"), handlers)
    assert fetched == ["0.3.0"]
    assert not result.ok and "does not match the signed manifest" in result.detail
    assert releases.installed() == ["0.1.0"] and releases.current() == "0.1.0"
    assert releases.state()["state"] == "stable" and updater.ready is None
    assert not (tmp_path / "opt" / "incoming.bundle").exists()
    assert not any(p.name.endswith(".partial") for p in (tmp_path / "opt" / "releases").iterdir())


def test_a_rolled_back_release_is_tried_again_only_when_the_rollout_is_resumed(bundles, trusted_key_file, tmp_path):
    releases, updater, fetched, handlers = kiosk_with(tmp_path, bundles, trusted_key_file,
                                                      {"0.3.0": bundles["0.3.0"]})
    releases.set_state(state="rolled_back", current="0.1.0", failed="0.3.0", reason="health check failed: x")
    refused = execute(command("0.3.0"), handlers)
    assert not refused.ok and "was rolled back on this kiosk" in refused.detail
    assert fetched == [] and releases.report()["update_detail"]["failed"] == "0.3.0"
    retried = execute(command("0.3.0", retry=True), handlers)
    assert retried.ok and "installed" in retried.detail, retried.detail
    assert fetched == ["0.3.0"] and "0.3.0" in releases.installed()
    # The mark is gone: the next heartbeat reports no failure of this release.
    assert releases.report() == {"release": "0.1.0", "update_state": "stable", "update_detail": {}}
    # An applicant is in session (idle() false): installed beside, not switched.
    assert releases.current() == "0.1.0" and updater.ready == "0.3.0"
    assert updater.step() is None and releases.current() == "0.1.0"
