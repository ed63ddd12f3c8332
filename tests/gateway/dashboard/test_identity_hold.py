"""Tests for the dashboard's identity-hold action (gateway/dashboard/router.py) over gateway/identity_caps.py."""
from __future__ import annotations

from sqlalchemy import select

from gateway.dashboard.alerts import fleet_health, sync_alerts
from gateway.identity_models import IdentityHold
from gateway.identity_policy import set_policy
from gateway.models import AuditEntry
from tests.gateway.conftest import OBAMA
from tests.gateway.dashboard.conftest import csrf_of
from tests.gateway.test_api_core import assert_error
from tests.gateway.test_identity_decisions import (NOBODY, biden_live, encoding, evidence, jitter,  # noqa: F401
                                                   obama_live, open_identity_alerts)


def test_failed_matches_over_the_cap_hold_the_kiosk_and_alert_until_staff_clear_it(
        client, hall, db, app, staff, biden_live, obama_live):
    set_policy(db, "demo-hall-01", ["face"], max_failures_per_hour=2)
    db.commit()
    for seed in range(2):
        assert_error(client.post("/v1/identity-verifications", headers=hall,
                                 json=evidence(OBAMA, jitter(biden_live, seed))), 403, "not_verified")
    assert_error(client.post("/v1/identity-verifications", headers=hall,
                             json=evidence(NOBODY, jitter(biden_live, 9))), 403, "identity_hold")
    assert open_identity_alerts(db, "demo-hall-01") == ["failed_matches"]
    # Held: even the right face is refused, and the health sync does not clear the alert on its own.
    assert_error(client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, obama_live)),
                 403, "identity_hold")
    sync_alerts(db, fleet_health(db))
    assert open_identity_alerts(db, "demo-hall-01") == ["failed_matches"]
    viewer, operator = staff("viewer"), staff("operator")
    page = viewer.get("/dashboard/kiosks/demo-hall-01")
    assert 'id="identity-hold"' in page.text and 'id="clear-identity-hold"' not in page.text
    assert viewer.post("/dashboard/kiosks/demo-hall-01/identity-hold/clear",
                       data={"csrf": csrf_of(page.text)}).status_code == 403
    assert operator.post("/dashboard/kiosks/demo-hall-01/identity-hold/clear", data={"csrf": "x"}).status_code == 403
    page = operator.get("/dashboard/kiosks/demo-hall-01")
    done = operator.post("/dashboard/kiosks/demo-hall-01/identity-hold/clear", data={"csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert done.status_code == 303
    assert open_identity_alerts(db, "demo-hall-01") == []
    hold, = db.execute(select(IdentityHold)).scalars()
    assert hold.cleared_by == "operator"
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "identity_hold_cleared")).scalars().all()
    db.rollback()
    ok = client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, jitter(obama_live, 5)))
    assert ok.status_code == 201, ok.text
