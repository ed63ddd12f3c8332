"""The session's staff sign-in and maintenance pages, without a screen: the PIN pad state, its messages, its timeout."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from kiosk import events as ev
from kiosk.maintenance.session_part import MAINTENANCE_PAGES
from kiosk.session import Session, State
from tests.fakes import Clock


@pytest.fixture
def clock():
    return Clock(100.0)


@pytest.fixture
def session(clock):
    return Session(["case_status"], [], idle_timeout_s=60, clock=clock)


def test_a_staff_credential_opens_the_pad_from_attract_identify_and_out_of_service(session):
    session.handle(ev.StaffCredentialPresented())
    assert session.state == State.STAFF_PIN and session.view().message is None
    session.handle(ev.CancelRequested())
    assert session.state == State.ATTRACT
    session.handle(ev.StartRequested())
    session.handle(ev.StaffCredentialPresented())
    assert session.state == State.STAFF_PIN
    session.handle(ev.CancelRequested())
    session.handle(ev.ServiceModeCommanded(in_service=False, message="closed"))
    session.handle(ev.StaffCredentialPresented())
    assert session.state == State.STAFF_PIN
    session.handle(ev.CancelRequested())
    assert session.state == State.OUT_OF_SERVICE, "cancel returns to what the public sees"


def test_never_during_an_applicants_session(session):
    session.handle(ev.CardRead(SimpleNamespace(name="欧阳明", id_number="110105196108041235", expired=False)))
    session.handle(ev.IdentityVerified("card_only_demo"))
    assert session.state == State.MENU
    session.handle(ev.StaffCredentialPresented())
    session.handle(ev.MaintenanceRequested("s-017"))
    assert session.state == State.MENU and session.staff_id is None


def test_wrong_pins_and_the_lockout_are_shown_then_cleared_on_entry(session):
    session.handle(ev.StaffCredentialPresented())
    session.handle(ev.StaffPinRejected("wrong_pin", attempts_left=2))
    view = session.view()
    assert view.message == "wrong_pin" and view.staff_attempts_left == 2 and view.staff_locked_s is None
    session.handle(ev.StaffPinRejected("maintenance_locked", 0, 299.2))
    assert session.view().staff_locked_s == 300
    session.handle(ev.StaffCredentialPresented(locked_s=12.5))
    assert session.view().staff_locked_s == 13 and session.view().message == "maintenance_locked"
    session.handle(ev.StaffCredentialPresented())
    session.handle(ev.MaintenanceRequested("s-017"))
    view = session.view()
    assert view.state == State.MAINTENANCE and view.message is None and view.staff_attempts_left is None


def test_a_pin_rejection_outside_the_pad_changes_nothing(session):
    session.handle(ev.StaffPinRejected("wrong_pin", attempts_left=1))
    assert session.state == State.ATTRACT and session.view().message is None


def test_the_pad_left_alone_goes_back_to_attract(session, clock):
    session.handle(ev.StaffCredentialPresented())
    clock.now += 59
    session.handle(ev.Tick(clock.now))
    assert session.state == State.STAFF_PIN
    clock.now += 2
    session.handle(ev.Tick(clock.now))
    assert session.state == State.ATTRACT


def test_maintenance_pages_and_exit(session):
    session.handle(ev.StaffCredentialPresented())
    session.handle(ev.MaintenanceRequested("s-017"))
    for page in MAINTENANCE_PAGES:
        session.handle(ev.MaintenancePageChosen(page))
        assert session.view().maintenance_page == page
    session.handle(ev.MaintenancePageChosen("../etc"))
    assert session.view().maintenance_page == MAINTENANCE_PAGES[-1], "an unknown page is ignored"
    session.handle(ev.MaintenanceExited())
    assert session.state == State.ATTRACT and session.view().maintenance_page == "home"
    assert session.staff_id is None


def cheap_hash(secret: str) -> str:
    """A scrypt hash with a tiny cost, so the fuzz test below can try many codes (the format is the real one)."""
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=16, r=1, p=1, dklen=32)
    return f"scrypt$16$1$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_any_scanned_or_read_text_is_routed_without_error():
    from hypothesis import given, settings, strategies as st

    from kiosk.maintenance import StaffCredential, StaffGate, StaffSignIn

    posted = []
    gate = StaffGate([StaffCredential("s-1", cheap_hash("1234"), card_hash=cheap_hash("310115194211202341"),
                                      qr_hash=cheap_hash("STAFF-QR"))])
    sign_in = StaffSignIn(gate, posted.append, lambda: "attract")

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=300))
    def routed(text):
        posted.clear()
        taken = sign_in.take_code(text)
        assert taken == (text == "STAFF-QR")
        assert sign_in.take_card(SimpleNamespace(id_number=text)) == (text == "310115194211202341")
        assert all(isinstance(e, ev.StaffCredentialPresented) for e in posted)

    routed()


def test_maintenance_buttons_are_desk_actions_and_their_outcome_comes_back_in_the_view(session, clock):
    from kiosk.maintenance.session_part import RunDeskAction

    assert session.handle(ev.MaintenanceAction("load_paper")) == [], "not outside maintenance mode"
    session.handle(ev.StaffCredentialPresented())
    assert session.handle(ev.MaintenanceRequested("s-017")) == [RunDeskAction("scan_for:")]
    assert session.handle(ev.MaintenanceAction("test:receipt_printer")) == [RunDeskAction("test:receipt_printer")]
    off = RunDeskAction("preview:off")
    assert session.handle(ev.MaintenancePageChosen("stock")) == [RunDeskAction("scan_for:blanks"), off]
    assert session.handle(ev.MaintenancePageChosen("camera")) == [RunDeskAction("scan_for:"),
                                                                   RunDeskAction("preview:on")], "its frames on"
    assert session.handle(ev.MaintenancePageChosen("log")) == [RunDeskAction("scan_for:"), off], "and off again"
    clock.now += 1
    assert session.handle(ev.Tick(clock.now)) == [RunDeskAction("refresh")], "the pages follow the desk"
    session.handle(ev.MaintenanceDeskChanged({"actions": {"load_paper": {"ok": True}}}))
    assert session.view().maintenance_desk == {"actions": {"load_paper": {"ok": True}}}
    session.handle(ev.MaintenancePageChosen("camera"))
    assert session.handle(ev.MaintenanceExited())[-1] == off, "the preview ends with maintenance mode"
    assert session.view().maintenance_desk is None, "gone with the staff member"
    session.handle(ev.MaintenanceDeskChanged({"actions": {}}))
    assert session.view().maintenance_desk is None, "only in maintenance mode"
