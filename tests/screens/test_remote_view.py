"""Remote view end to end: the real kiosk app under Xvfb with the demo gateway (`kiosk-gateway --demo`). A screenshot
staff ask for during an applicant's session waits; it is taken and delivered once the session ends, and shows the
attract screen, never the session's."""
from __future__ import annotations

import io
import re

import pytest
import requests
from PIL import Image
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from gateway import remote_view
from gateway.models import KioskCommand
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import SCREENSHOTS, running
from tests.waiting import wait_for

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    demo = DemoStack(tmp_path_factory.mktemp("remote"), config_extra={"fleet": {"heartbeat_interval_s": 1.0}})
    yield from running(demo)


def test_a_screenshot_asked_for_during_a_session_is_delivered_after_it(stack):
    engine = create_engine(f"sqlite:///{stack.gateway.database}")
    db_of = sessionmaker(engine, expire_on_commit=False)
    kiosk_id = stack.gateway.credentials("hall")["kiosk_id"]
    try:
        stack.client.wait_for_screen("attract", 30)
        stack.client.post("StartRequested")
        stack.client.wait_for_screen("identify", 20)
        with db_of() as db:
            request_id = remote_view.request_screenshot(db, kiosk_id, "staff:test")
            command_id = db.get(remote_view.KioskScreenshot, request_id).command_id

        def row(model, key):
            with db_of() as db:
                return db.get(model, key)
        done = wait_for(lambda: (c := row(KioskCommand, command_id)).done_at is not None and c, 30,
                        "the kiosk to acknowledge the request")
        assert done.result["ok"] and "no applicant is in session" in done.result["detail"]
        assert stack.client.state()["screen"] == "identify"
        assert row(remote_view.KioskScreenshot, request_id).taken_at is None, "not during the session"
        stack.client.post("CancelRequested")
        stack.client.wait_for_screen("attract", 20)
        shot = wait_for(lambda: (s := row(remote_view.KioskScreenshot, request_id)).taken_at is not None and s, 30,
                        "the screenshot after the session")
        image = Image.open(io.BytesIO(shot.png))
        assert image.format == "PNG" and image.width == 540 and image.height > image.width
        (SCREENSHOTS / "remote").mkdir(parents=True, exist_ok=True)
        image.save(SCREENSHOTS / "remote" / "delivered-attract.png")
        # Staff see it on the dashboard.
        web = requests.Session()
        login = web.get(f"{stack.gateway.url}/dashboard/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        web.post(f"{stack.gateway.url}/dashboard/login", data={"username": "viewer", "password": "viewer-demo-pass",
                                                               "csrf": csrf})
        page = web.get(f"{stack.gateway.url}/dashboard/remote/{kiosk_id}")
        assert page.status_code == 200 and f'data-request="{request_id}" data-status="delivered"' in page.text
        png = web.get(f"{stack.gateway.url}/dashboard/remote/screenshots/{request_id}.png")
        assert png.status_code == 200 and png.content == shot.png
        assert requests.get(f"{stack.gateway.url}/dashboard/remote/screenshots/{request_id}.png",
                            allow_redirects=False).status_code == 303, "not without signing in"
    finally:
        engine.dispose()
