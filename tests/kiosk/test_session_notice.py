"""A scanned acceptance notice in the session: identify with a note, the card and face check as always, then the
notice's case opened directly if it is the verified person's, otherwise their case list and not a word about it."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk import events as ev
from kiosk.codes import acceptance_notice_url
from kiosk.session import AuthoriseApplicant, LoadCases, Session, StartFlow, StartVerification, State

NOTICE = acceptance_notice_url("https://gw.example", "BDC2026010005")


@dataclass
class Card:
    id_number: str = "110105196108041235"
    name: str = "欧阳明"
    expired: bool = False


@dataclass(frozen=True)
class Case:
    case_id: str
    status: str = "under_review"


@pytest.fixture
def session():
    now = [1000.0]
    s = Session(["case_status", "payment", "e_certificate"], idle_timeout_s=60, idle_warning_s=20,
                done_timeout_s=15, identity_method="face", clock=lambda: now[0])
    s.now = now
    return s


def verify(session, card=None, cases=("BDC2026010005", "BDC2026010001")):
    commands = session.handle(ev.CardRead(card or Card()))
    assert [type(c) for c in commands] == [StartVerification]
    assert session.state == State.VERIFY
    assert [type(c) for c in session.handle(ev.IdentityVerified("face", 0.3))] == [AuthoriseApplicant]
    assert [type(c) for c in session.handle(ev.ApplicantAuthorised("tok"))] == [LoadCases]
    return session.handle(ev.CasesLoaded(tuple(Case(c) for c in cases)))


def test_a_notice_at_attract_moves_to_identify_with_its_case_and_nothing_else(session):
    assert session.handle(ev.CodeScanned(NOTICE)) == []
    view = session.view()
    assert view.state == State.IDENTIFY and view.notice_case_id == "BDC2026010005"
    assert view.cases == () and view.applicant_name == "" and view.flow is None and view.focus_case is None


def test_after_the_check_the_persons_own_case_opens_directly(session):
    session.handle(ev.CodeScanned(NOTICE))
    commands = verify(session)
    assert commands == [StartFlow("case_status", "tok")]
    view = session.view()
    assert view.state == State.FLOW and view.service == "case_status"
    assert view.focus_case == "BDC2026010005" and view.flow is None
    assert view.notice_case_id is None, "used once"
    # Back to the menu: an ordinary session from here on.
    session.handle(ev.BackRequested())
    assert session.state == State.MENU and session.view().focus_case is None and session.view().flow is None
    session.handle(ev.ServiceChosen("case_status"))
    assert session.view().focus_case is None and session.view().flow is None


def test_another_persons_notice_gives_the_normal_list_without_a_word_about_it(session):
    session.handle(ev.CodeScanned(NOTICE))
    commands = verify(session, cases=("BDC2026020001", "BDC2026020002"))
    assert commands == [StartFlow("case_status", "tok")]
    view = session.view()
    assert view.state == State.FLOW and view.focus_case is None and view.flow is None and view.message is None
    assert "BDC2026010005" not in repr(view)


def test_nothing_is_shown_before_the_card_and_face_check(session):
    session.handle(ev.CodeScanned(NOTICE))
    session.handle(ev.CardRead(Card()))
    assert session.state == State.VERIFY and session.view().cases == ()
    session.handle(ev.VerificationFailed("no_match"))
    view = session.view()
    assert view.state == State.DONE and view.outcome == "ask_staff" and view.notice_case_id is None
    assert session.personal.is_empty()


def test_an_expired_card_keeps_the_notice_for_the_next_card(session):
    session.handle(ev.CodeScanned(NOTICE))
    session.handle(ev.CardRead(Card(expired=True)))
    assert session.view().message == "card_expired" and session.view().notice_case_id == "BDC2026010005"
    assert verify(session) == [StartFlow("case_status", "tok")]


def test_cancel_and_timeout_forget_the_notice(session):
    session.handle(ev.CodeScanned(NOTICE))
    session.handle(ev.CancelRequested())
    assert session.state == State.ATTRACT and session.personal.is_empty()
    session.handle(ev.CodeScanned(NOTICE))
    session.now[0] += 200
    session.handle(ev.Tick(session.now[0]))
    assert session.state == State.ATTRACT and session.view().notice_case_id is None


def test_choosing_a_service_before_the_cases_load_drops_the_notice(session):
    session.handle(ev.CodeScanned(NOTICE))
    session.handle(ev.CardRead(Card()))
    session.handle(ev.IdentityVerified("face", 0.3))
    session.handle(ev.ApplicantAuthorised("tok"))
    assert session.handle(ev.ServiceChosen("payment")) == [StartFlow("payment", "tok")]
    assert session.handle(ev.CasesLoaded((Case("BDC2026010005"),))) == []
    assert session.state == State.FLOW and session.service == "payment"


@pytest.mark.parametrize("code", ["PK1.e30.e30", "hello", "https://gw/verify/ABC", ""])
def test_other_codes_do_not_start_anything_here(session, code):
    assert session.handle(ev.CodeScanned(code)) == []
    assert session.state == State.ATTRACT and session.view().notice_case_id is None


def test_a_notice_is_ignored_once_an_applicant_is_signed_in(session):
    verify(session, cases=())
    state = session.state
    assert session.handle(ev.CodeScanned(NOTICE)) == []
    assert session.state == state and session.view().notice_case_id is None


def test_a_kiosk_without_case_status_ignores_notices():
    locker = Session(["pickup"], identity_method="face")
    assert locker.handle(ev.CodeScanned(NOTICE)) == []
    assert locker.state == State.ATTRACT and locker.view().notice_case_id is None
