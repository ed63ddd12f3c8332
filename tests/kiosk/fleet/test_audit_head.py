"""The audit log's head goes out with every heartbeat; a kiosk whose log was rolled back is refused by the real
gateway on loopback, which raises a fleet alert."""
from __future__ import annotations

import os

from sqlalchemy import select

from gateway.dashboard.models import FleetAlert
from gateway.models import Kiosk
from kiosk.fleet import FleetAgent
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store


def test_a_rolled_back_audit_log_is_refused_by_the_gateway(gateway, platform, tmp_path):
    store = Store.open(tmp_path / "kiosk.db", os.urandom(32))
    try:
        offline = OfflineStore(store)
        agent = FleetAgent(platform, interval_s=5, data_dir=tmp_path, audit_head=offline.audit.head)
        assert agent.payload()["audit_head"] is None  # an empty log says so
        for i in range(4):
            offline.audit.record(f"action_{i}", "staff-0042", {"i": i})
        saved_head = store.query("SELECT value FROM meta WHERE name = 'audit_head'")[0][0]
        for i in range(4, 6):
            offline.audit.record(f"action_{i}", "staff-0042", {"i": i})
        agent.tick()
        with gateway.sessionmaker()() as db:
            assert db.get(Kiosk, "demo-hall-01").audit_head["seq"] == 6
        # The attack: the two newest records deleted and the older sealed head put back. It verifies locally...
        with store.write() as conn:
            conn.execute("DELETE FROM audit_log WHERE seq > 4")
            conn.execute("UPDATE meta SET value = ? WHERE name = 'audit_head'", (saved_head,))
        assert offline.audit.verify().ok
        agent.tick()  # ...but the next heartbeat is refused
        assert agent.last_error == "heartbeat failed: audit_rollback"
        with gateway.sessionmaker()() as db:
            alert = db.execute(select(FleetAlert).where(FleetAlert.kiosk_id == "demo-hall-01",
                                                        FleetAlert.kind == "audit_rollback")).scalar_one()
            assert "from record 6 to 4" in alert.detail
    finally:
        store.close()


def test_an_unreadable_head_is_left_out_not_reported_empty(gateway, platform, tmp_path):
    def broken():
        raise OSError("disk gone")
    agent = FleetAgent(platform, interval_s=5, data_dir=tmp_path, audit_head=broken)
    assert "audit_head" not in agent.payload()
    assert "audit_head" not in FleetAgent(platform, interval_s=5, data_dir=tmp_path).payload()
