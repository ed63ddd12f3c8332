"""Staff accounts from the command line: added with a hashed password, refused when weak, disabled at once."""
from __future__ import annotations

import io

from gateway.dashboard.auth import authenticate_staff
from gateway.dashboard.staff import main
from gateway.db import make_engine, make_sessionmaker


def test_add_refuse_and_disable(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["--database", url, "add", "wang.li", "--role", "operator"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--database", url, "add", "zhao", "--role", "viewer"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        assert authenticate_staff(db, "wang.li", "a long enough password").role == "operator"
        assert authenticate_staff(db, "zhao", "short") is None
    assert main(["--database", url, "disable", "wang.li"]) == 0
    with make_sessionmaker(engine)() as db:
        assert authenticate_staff(db, "wang.li", "a long enough password") is None
    engine.dispose()
    assert main(["--database", url, "disable", "nobody"]) == 1


def test_staff_account_changes_are_audited_and_sealed_with_the_gateways_key(tmp_path, monkeypatch, capsys):
    import os

    from sqlalchemy import select

    from gateway import cli
    from gateway.models import AuditEntry

    url = f"sqlite:///{tmp_path / 'g.db'}"
    key_file = tmp_path / "audit.key"
    key_file.write_text("the production audit secret\n")
    key_file.chmod(0o600)
    monkeypatch.setenv(cli.AUDIT_KEY_ENV, str(key_file))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["--database", url, "add", "wang.li", "--role", "admin"]) == 0
    assert main(["--database", url, "disable", "wang.li"]) == 0
    assert main(["--database", url, "enable", "wang.li"]) == 0
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        rows = [(e.actor, e.action, e.subject, e.detail) for e in db.execute(
            select(AuditEntry).where(AuditEntry.action.like("staff_%")).order_by(AuditEntry.id)).scalars()]
    engine.dispose()
    assert rows == [("admin-cli", "staff_created", "wang.li", {"role": "admin"}),
                    ("admin-cli", "staff_disabled", "wang.li", None), ("admin-cli", "staff_enabled", "wang.li", None)]
    assert "a long enough password" not in str(rows)
    monkeypatch.delenv(cli.AUDIT_KEY_ENV)
    capsys.readouterr()
    assert main(["--database", url, "disable", "wang.li"]) == 1  # without the key it would break the chain
    assert "sealed with another key" in capsys.readouterr().err
    assert os.environ.get(cli.AUDIT_KEY_ENV) is None
