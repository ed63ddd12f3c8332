"""An update of a kiosk with its touch UI under Xvfb (the real Kivy app, `kiosk run` without --headless, under the
release launcher and a supervisor standing in for systemd): the new release's health check passes only once its
attract screen has been drawn, the rollout finishes, and a screenshot asked for through the remote view shows the
new release's attract screen."""
from __future__ import annotations

import io
import os
import sys

import pytest
from PIL import Image

from gateway import releases as store
from gateway import remote_view
from gateway.central_config import KioskConfigSite
from gateway.seed import register_kiosk
from kiosk.updates.bundle import load_public_keys
from kiosk.updates.releases import Releases
from kiosk_testkit.supervisor import Supervisor
from tests.kiosk.updates.test_rollout import gateway, reported, rollout_row, upload  # noqa: F401 (fixture)
from tests.kiosk_config import write_kiosk_config
from tests.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.ui]
KIOSK = "hall-ui-01"


def test_a_kiosk_with_its_screen_is_updated_once_the_attract_screen_is_drawn(gateway, bundles,  # noqa: F811
                                                                             trusted_key_file, tmp_path):
    assert os.environ.get("DISPLAY"), "tests/conftest.py gives each test process an Xvfb"
    with gateway.sessionmaker()() as db:
        api_key = register_kiosk(db, KIOSK, "hall")
        db.add(KioskConfigSite(kiosk_id=KIOSK, site="hall-ui"))
        db.commit()
    work = tmp_path / KIOSK
    releases = Releases(work / "opt")
    releases.install_first(bundles["0.1.0"], load_public_keys([trusted_key_file]))
    site = write_kiosk_config(work, kiosk_id=KIOSK, gateway_url=gateway.base_url, api_key=api_key, extra={
        "fleet": {"heartbeat_interval_s": 1.0},
        "updates": {"trusted_key_files": [str(trusted_key_file)], "health_timeout_s": 90, "crash_window_s": 10}})
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NOTIFY_SOCKET")}
    env.update({"KIVY_HOME": str(work / "kivy"), "KIVY_NO_ARGS": "1", "PYTHONUNBUFFERED": "1"})
    log = work / "kiosk.log"
    supervisor = Supervisor([sys.executable, "-m", "kiosk.updates.launch", "--root", str(work / "opt"), "--",
                             "run", "--config", str(site)], env=env, cwd=work, log=log).start()
    try:
        wait_for(lambda: reported(gateway, KIOSK)["release"] == "0.1.0", 120, "the kiosk on 0.1.0")
        version = upload(gateway, bundles["0.3.0"])
        with gateway.sessionmaker()() as db:
            rollout_id = store.start_rollout(db, version, KIOSK, "hall-ui", "test-operator")
        done = wait_for(lambda: (r := rollout_row(gateway, rollout_id)).state in ("done", "paused") and r, 240,
                        "the rollout to finish")
        assert done.state == "done", done.reason
        assert releases.current() == "0.3.0" and releases.state()["state"] in ("healthy", "stable")
        text = log.read_text(encoding="utf-8", errors="replace")
        trial = text[text.index("switched to release 0.3.0"):]
        # The new release's window came up (Kivy under Xvfb) before its health check passed.
        assert "[Window" in trial or "Window:" in trial or "kivy" in trial.lower()
        assert "release 0.3.0 passed its health check" in trial
        wait_for(lambda: reported(gateway, KIOSK)["version"] == "0.3.0", 60, "the kiosk reporting 0.3.0")
        # What the updated kiosk shows, through the remote view.
        with gateway.sessionmaker()() as db:
            request_id = remote_view.request_screenshot(db, KIOSK, "staff:test")

        def png():
            with gateway.sessionmaker()() as db:
                row = db.get(remote_view.KioskScreenshot, request_id)
                return row.png if row is not None and row.png else None
        image = Image.open(io.BytesIO(wait_for(png, 60, "the screenshot of the updated kiosk")))
        assert image.width == 540
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 20, "a drawn screen, not a blank window"
        out = tmp_path.parent / "rollout-ui-attract.png"
        image.save(out)
        assert not supervisor.gave_up
    finally:
        supervisor.stop()
