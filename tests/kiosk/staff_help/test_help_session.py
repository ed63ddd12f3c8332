"""The call-staff part of the session: where a call may be made, what it carries (no personal data), the notice."""
from __future__ import annotations

from types import SimpleNamespace

from kiosk import events as ev
from kiosk.session import Session, State
from kiosk.staff_help import events as hev
from kiosk.staff_help.session_part import RaiseHelpRequest

CARD = SimpleNamespace(name="欧阳明", id_number="110105196108041235", expired=False)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def at_menu() -> Session:
    session = Session(["case_status", "payment"], identity_method="card_only_demo", clock=Clock())
    session.handle(ev.CardRead(CARD))
    session.handle(ev.IdentityVerified(method="card_only_demo", score=None))
    assert session.state == State.MENU
    return session


def test_a_call_from_the_menu_names_the_step_and_nothing_about_the_person():
    session = at_menu()
    commands = session.handle(hev.HelpRequested())
    assert commands == [RaiseHelpRequest("menu")]
    assert session.view().help_status == "sending"
    carried = repr(commands)
    assert CARD.id_number not in carried and CARD.name not in carried and "1235" not in carried
    session.handle(hev.HelpRequestRaised(7, "H0007"))
    view = session.view()
    assert (view.help_status, view.help_number) == ("coming", "H0007")
    assert view.state == State.MENU  # the applicant's session goes on underneath


def test_a_call_inside_a_flow_names_the_service_and_the_step_type():
    session = at_menu()
    session.handle(ev.ServiceChosen("payment"))
    session.handle(ev.FlowUpdate(ev.FlowStep()))
    assert session.handle(hev.HelpRequested()) == [RaiseHelpRequest("flow:payment:FlowStep")]


def test_a_second_tap_while_staff_are_called_raises_nothing_more():
    session = at_menu()
    assert len(session.handle(hev.HelpRequested())) == 1
    assert session.handle(hev.HelpRequested()) == []
    session.handle(hev.HelpRequestRaised(1, "H0001"))
    assert session.handle(hev.HelpRequested()) == []
    session.handle(hev.HelpNoticeClosed())
    assert session.view().help_status is None
    assert session.handle(hev.HelpRequested()) == [RaiseHelpRequest("menu")]


def test_a_failed_call_says_so_and_may_be_tried_again():
    session = at_menu()
    session.handle(hev.HelpRequested())
    session.handle(hev.HelpRequestFailed("help_unavailable"))
    view = session.view()
    assert (view.help_status, view.help_message) == ("failed", "help_unavailable")
    assert session.handle(hev.HelpRequested()) == [RaiseHelpRequest("menu")]


def test_the_notice_goes_when_the_session_ends_and_no_call_from_maintenance():
    session = at_menu()
    session.handle(hev.HelpRequested())
    session.handle(hev.HelpRequestRaised(3, "H0003"))
    session.handle(ev.CancelRequested())
    assert session.state == State.ATTRACT
    assert session.view().help_status is None
    assert session.holds_no_personal_data()
    session.state = State.MAINTENANCE
    assert session.handle(hev.HelpRequested()) == []


def test_a_late_answer_for_a_call_already_closed_shows_nothing():
    session = at_menu()
    session.handle(hev.HelpRequested())
    session.handle(hev.HelpNoticeClosed())
    session.handle(hev.HelpRequestRaised(4, "H0004"))
    assert session.view().help_status is None
