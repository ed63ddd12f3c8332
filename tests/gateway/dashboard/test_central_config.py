"""Central configuration on the gateway: site profiles and kiosk overrides saved from the dashboard (validated with the
kiosk's schema, versioned), delivered in the heartbeat reply until the kiosk reports running them, and the diff."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from config.central import overlay_hash
from gateway import central_config as central
from gateway.models import AuditEntry
from tests.gateway.dashboard.conftest import csrf_of


def save_site(client, site, body):
    page = client.get("/dashboard/config")
    return client.post("/dashboard/config/sites", data={"site": site, "body": body, "csrf": csrf_of(page.text)},
                       follow_redirects=False)


def save_kiosk(client, kiosk_id, body, site=""):
    page = client.get(f"/dashboard/config/kiosks/{kiosk_id}")
    return client.post(f"/dashboard/config/kiosks/{kiosk_id}", data={"site": site, "body": body,
                                                                     "csrf": csrf_of(page.text)},
                       follow_redirects=False)


def beat(client, hall, **extra):
    response = client.post("/v1/heartbeats", headers=hall, json={"devices": {}, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def revisions(db) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(central.ConfigRevision)).scalar_one()


def test_a_profile_and_an_override_reach_the_kiosk_until_it_runs_them(staff, client, hall, db):
    operator = staff("operator")
    assert beat(client, hall) == {"commands": []}  # no central configuration: nothing in the reply
    assert save_site(operator, "hall-a", "[session]\nidle_timeout_s = 90\n").status_code == 303
    response = save_kiosk(operator, "demo-hall-01", "[session]\nidle_warning_s = 25\n[ui]\nlarge_text = true\n",
                          site="hall-a")
    assert response.status_code == 303, response.text
    central.forget_cache()
    reply = beat(client, hall)
    offered = reply["config"]
    expected = {"session": {"idle_timeout_s": 90, "idle_warning_s": 25}, "ui": {"large_text": True}}
    assert offered["overlay"] == expected and offered["hash"] == overlay_hash(expected)
    assert re.fullmatch(r"s\d+\.k\d+", offered["version"])
    # Pending until the kiosk reports running it; then the reply carries it no more.
    page = operator.get("/dashboard/config/kiosks/demo-hall-01").text
    assert 'data-state="pending"' in page
    assert "+</td><td><code>session.idle_timeout_s = 90" in page and "ui.large_text = true" in page
    assert "config" in beat(client, hall, config_hash=None)
    assert "config" not in beat(client, hall, config_hash=offered["hash"], config_version=offered["version"])
    page = operator.get("/dashboard/config/kiosks/demo-hall-01").text
    assert 'data-state="applied"' in page and "+</td>" not in page
    # A new site version: the diff shows the one setting changing.
    assert save_site(operator, "hall-a", "[session]\nidle_timeout_s = 120\n").status_code == 303
    central.forget_cache()
    assert beat(client, hall, config_hash=offered["hash"])["config"]["overlay"]["session"]["idle_timeout_s"] == 120
    page = operator.get("/dashboard/config/kiosks/demo-hall-01").text
    assert "-</td><td><code>session.idle_timeout_s = 90" in page
    assert "+</td><td><code>session.idle_timeout_s = 120" in page
    assert 'data-kiosk="demo-hall-01"' in operator.get("/dashboard/config").text
    db.rollback()
    actions = set(db.execute(select(AuditEntry.action)).scalars())
    assert {"config_site_saved", "config_kiosk_saved"} <= actions


def test_a_refusal_reported_by_the_kiosk_is_shown_and_not_sent_again(staff, client, hall):
    operator = staff("operator")
    assert save_kiosk(operator, "demo-hall-01", "[session]\nidle_timeout_s = 70\n", site="hall-b").status_code == 303
    central.forget_cache()
    offered = beat(client, hall)["config"]
    refused = {"hash": offered["hash"], "version": offered["version"],
               "reason": "config error in central configuration: site.required_devices: camera is disabled"}
    assert "config" not in beat(client, hall, config_refused=refused)
    page = operator.get("/dashboard/config/kiosks/demo-hall-01").text
    assert 'data-state="refused"' in page and "camera is disabled" in page


def test_invalid_profiles_are_refused_with_the_key_and_nothing_is_saved(staff, db):
    operator = staff("operator")
    before = revisions(db)
    for body, words in (("[session]\nidle_timeout_s = 1\n", "session.idle_timeout_s"),
                        ("[session]\nidle_timeout = 90\n", "unknown key"),
                        ("[gateway]\nurl = \"https://elsewhere\"\n", "gateway"),
                        ("[session\n", "not valid TOML"),
                        ("idle_timeout_s = 90\n", "must be a table")):
        response = save_kiosk(operator, "demo-hall-01", body, site="hall-c")
        assert response.status_code == 400 and "nothing saved" in response.text, body
        assert words in response.text, (body, response.text)
    assert save_site(operator, "bad name!", "[session]\nidle_timeout_s = 90\n").status_code == 400
    assert revisions(db) == before
    assert save_kiosk(operator, "demo-hall-01", "[site]\ndemo = true\n").status_code == 400
    # A site version that would break one of its kiosks (with that kiosk's override) is refused too.
    assert save_site(operator, "hall-c", '[site]\nrequired_devices = ["card_reader"]\n').status_code == 303
    assert save_kiosk(operator, "demo-hall-01", "[devices.camera]\nenabled = false\n", site="hall-c").status_code \
        == 303
    response = save_site(operator, "hall-c", '[site]\nrequired_devices = ["card_reader", "camera"]\n')
    assert response.status_code == 400 and "kiosk demo-hall-01" in response.text
    assert "site.required_devices: camera is required by this site but disabled" in response.text


def test_viewers_cannot_change_the_configuration(staff, db):
    viewer = staff("viewer")
    before = revisions(db)
    assert save_site(viewer, "hall-a", "[session]\nidle_timeout_s = 90\n").status_code == 403
    assert revisions(db) == before
