"""Disabling, re-enabling and re-keying a kiosk from the command line: the API follows at once, each is audited."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway import cli
from gateway.app import create_app
from gateway.db import make_engine, make_sessionmaker
from gateway.models import AuditEntry
from gateway.settings import GatewaySettings


def _audit(url):
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        rows = [(e.actor, e.action, e.subject) for e in db.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    engine.dispose()
    return rows


def test_disable_enable_and_rotate_from_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert cli.main(["--database", url, "add-kiosk", "hall-07", "--site-kind", "hall"]) == 0
    old_key = json.loads(capsys.readouterr().out)["api_key"]
    engine = make_engine(url)
    app = create_app(GatewaySettings(database_url=url, alert_check_interval_s=0, run_migrations=False), engine=engine)
    with TestClient(app) as client:
        def heartbeat(key):
            return client.post("/v1/heartbeats", json={}, headers={"Authorization": f"Bearer {key}"})

        assert heartbeat(old_key).status_code == 200
        assert cli.main(["--database", url, "disable-kiosk", "hall-07"]) == 0
        assert "hall-07 disabled" in capsys.readouterr().out
        refused = heartbeat(old_key)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "kiosk_disabled"
        assert cli.main(["--database", url, "enable-kiosk", "hall-07"]) == 0
        assert "hall-07 enabled" in capsys.readouterr().out
        assert heartbeat(old_key).status_code == 200
        assert cli.main(["--database", url, "rotate-key", "hall-07"]) == 0
        new_key = json.loads(capsys.readouterr().out)["api_key"]
        assert new_key != old_key
        assert heartbeat(old_key).status_code == 401
        assert heartbeat(new_key).status_code == 200
    engine.dispose()
    assert cli.main(["--database", url, "disable-kiosk", "nope"]) == 1
    assert "no kiosk 'nope'" in capsys.readouterr().err
    actions = [(actor, action, subject) for actor, action, subject in _audit(url) if actor == "admin-cli"]
    assert actions == [("admin-cli", "kiosk_registered", "hall-07"), ("admin-cli", "kiosk_disabled", "hall-07"),
                       ("admin-cli", "kiosk_enabled", "hall-07"), ("admin-cli", "kiosk_key_rotated", "hall-07")]
    assert not any(new_key in str(row) or old_key in str(row) for row in _audit(url))
    assert cli.main(["--database", url, "audit-verify"]) == 0
