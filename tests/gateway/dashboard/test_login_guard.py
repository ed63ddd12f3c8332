"""Staff sign-in under attack: lockout per user and per address, an audit entry per failure, bounded hashing, and a
sign-out that ends the session server-side even without its CSRF token."""
from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.dashboard import login_guard
from gateway.dashboard.auth import COOKIE_NAME, create_staff
from gateway.db import make_sessionmaker
from gateway.models import AuditEntry
from tests.gateway.dashboard.conftest import sign_in

PASSWORD = "the right staff password"


def _staff_user(app, username="wang.li", role="operator"):
    with make_sessionmaker(app.state.engine)() as db:
        create_staff(db, username, PASSWORD, role)


def test_fifty_wrong_passwords_then_the_right_one_is_still_locked_out(app, client, db):
    _staff_user(app)
    statuses = [sign_in(client, "wang.li", f"guess number {i}").status_code for i in range(50)]
    assert statuses[:login_guard.MAX_FAILURES_PER_USER] == [401] * login_guard.MAX_FAILURES_PER_USER
    assert set(statuses[login_guard.MAX_FAILURES_PER_USER:]) == {429}
    right = sign_in(client, "wang.li", PASSWORD)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    assert COOKIE_NAME not in right.cookies
    failures = list(db.execute(select(AuditEntry).where(AuditEntry.action == "staff_sign_in_failed")).scalars())
    assert len(failures) == 51
    assert {f.subject for f in failures} == {"wang.li"}
    assert {f.detail["address"] for f in failures} == {"testclient"}
    assert all("guess" not in str(f.detail) and PASSWORD not in str(f.detail) for f in failures)


def test_a_failure_log_line_names_user_and_address_but_not_the_password(app, client, caplog):
    _staff_user(app)
    with caplog.at_level("WARNING", logger="gateway.dashboard.login_guard"):
        assert sign_in(client, "wang.li", "not the password at all").status_code == 401
    line = next(r.getMessage() for r in caplog.records if "sign-in refused" in r.getMessage())
    assert "wang.li" in line and "testclient" in line and "not the password" not in line


def test_one_address_trying_many_usernames_is_locked(app, client):
    _staff_user(app)
    for i in range(login_guard.MAX_FAILURES_PER_ADDRESS):
        assert sign_in(client, f"user{i:02d}", "whatever password").status_code == 401
    assert sign_in(client, "wang.li", PASSWORD).status_code == 429


def test_a_successful_sign_in_resets_the_users_count(app, client):
    _staff_user(app)
    for _ in range(login_guard.MAX_FAILURES_PER_USER - 1):
        assert sign_in(client, "wang.li", "wrong password!").status_code == 401
    assert sign_in(client, "wang.li", PASSWORD).status_code == 303
    for _ in range(login_guard.MAX_FAILURES_PER_USER - 1):
        assert sign_in(client, "wang.li", "wrong password!").status_code == 401
    assert sign_in(client, "wang.li", PASSWORD).status_code == 303


def test_sign_ins_beyond_the_hashing_bound_are_answered_busy_at_once(app, client):
    _staff_user(app)
    held = [login_guard.hashing_slot() for _ in range(login_guard.CONCURRENT_HASHES)]
    for slot in held:
        slot.__enter__()
    try:
        busy = sign_in(client, "wang.li", PASSWORD)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    assert sign_in(client, "wang.li", PASSWORD).status_code == 303


def test_parallel_sign_ins_never_hash_more_than_the_bound_at_once(app, client, monkeypatch):
    _staff_user(app)
    import gateway.dashboard.auth as auth

    running, most = 0, 0
    lock = threading.Lock()
    real_verify = auth.verify_secret

    def counting_verify(password, stored):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            return real_verify(password, stored)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(auth, "verify_secret", counting_verify)
    statuses = []

    def attempt():
        with TestClient(app) as c:
            statuses.append(sign_in(c, "wang.li", PASSWORD).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(statuses) == 12 and set(statuses) <= {303, 503}
    assert 1 <= most <= login_guard.CONCURRENT_HASHES


def test_sign_out_without_csrf_ends_the_session_server_side(staff, app):
    viewer = staff("viewer")
    cookie = viewer.cookies[COOKIE_NAME]
    assert viewer.get("/dashboard", follow_redirects=False).status_code == 200
    out = viewer.post("/dashboard/logout", data={}, follow_redirects=False)
    assert out.status_code == 303
    with TestClient(app) as thief:  # a copy of the cookie taken before the sign-out
        thief.cookies.set(COOKIE_NAME, cookie, path="/dashboard")
        assert thief.get("/dashboard", follow_redirects=False).status_code == 303  # to the login page
