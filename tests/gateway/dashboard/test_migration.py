"""The dashboard's migration sits on the gateway's chain with a single head, and creates its tables."""
from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from gateway.db import alembic_config


def test_the_migration_chain_has_one_head():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert any(rev.revision == "0100" for rev in script.walk_revisions())


def test_the_dashboard_tables_exist_after_migrating(app):
    tables = set(inspect(app.state.engine).get_table_names())
    assert {"staff_users", "staff_sessions", "fleet_alerts", "dashboard_secrets"} <= tables
