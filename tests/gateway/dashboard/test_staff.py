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
