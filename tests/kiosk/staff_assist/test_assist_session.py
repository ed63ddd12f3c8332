"""The staff-assisted part of the session: from a failed face check to the menu with method staff_assisted; wrong
PINs back to the pad, a used credential back to the start, the staff card never taken for the applicant's; the menu
offers only what the gateway said the method opens; nothing left behind."""
from __future__ import annotations

from types import SimpleNamespace

from kiosk import events as ev
from kiosk.session import AuthoriseApplicant, Session, SessionEnded, StartVerification, State
from kiosk.staff_assist import events as aev
from kiosk.staff_assist.session_part import CheckStaffAssist
from kiosk.staff_help.session_part import RaiseHelpRequest

APPLICANT = SimpleNamespace(name="欧阳明", id_number="110105196108041235", expired=False)
STAFF_CARD = SimpleNamespace(name="黎艾力", id_number="810000197309224567", expired=False)


def failed_face() -> Session:
    session = Session(["case_status", "payment", "transfers"], identity_method="face", clock=lambda: 100.0)
    assert isinstance(session.handle(ev.CardRead(APPLICANT))[0], StartVerification)
    session.handle(ev.VerificationFailed("no_match"))
    assert (session.state, session.outcome) == (State.DONE, "ask_staff")
    return session


def to_confirm(session: Session, credential=("card", STAFF_CARD)) -> None:
    commands = session.handle(aev.StaffAssistRequested())
    assert session.state == State.STAFF_ASSIST and session.view().assist_page == "credential"
    assert RaiseHelpRequest("staff_assist") in commands  # staff are called to the kiosk at once
    if credential[0] == "card":
        session.handle(ev.CardRead(credential[1]))
    else:
        session.handle(ev.CodeScanned(credential[1]))
    assert session.view().assist_page == "pin"
    session.handle(aev.StaffAssistPinEntered("246810"))
    assert session.view().assist_page == "applicant_card"
    session.handle(ev.CardRead(APPLICANT))
    assert session.view().assist_page == "confirm"


def test_failed_face_then_staff_card_pin_card_reason_then_the_menu_with_staff_assisted():
    session = failed_face()
    to_confirm(session)
    view = session.view()
    assert view.applicant_name == "欧**" and "1235" in view.applicant_id and APPLICANT.id_number not in str(view)
    [check] = session.handle(aev.StaffAssistConfirmed("elderly"))
    assert isinstance(check, CheckStaffAssist)
    assert (check.credential_kind, check.credential, check.pin, check.reason) == \
        ("card", STAFF_CARD.id_number, "246810", "elderly")
    assert check.card is APPLICANT
    assert "246810" not in repr(check) and STAFF_CARD.id_number not in repr(check)  # never printed
    assert session.view().assist_page == "checking"
    commands = session.handle(aev.StaffAssistAccepted("tok-1", "demo-staff-01", ("case_status", "transfers")))
    assert commands == [AuthoriseApplicant(APPLICANT, "staff_assisted", None, "tok-1")]
    assert session.state == State.MENU
    assert session.personal.verification["method"] == "staff_assisted"
    assert session.view().services == ("case_status", "transfers")  # payment is not opened by this method
    session.handle(ev.CancelRequested())
    assert session.holds_no_personal_data() and session.view().services == ("case_status", "payment", "transfers")


def test_a_wrong_pin_goes_back_to_the_pad_and_keeps_the_applicants_card():
    session = failed_face()
    to_confirm(session)
    session.handle(aev.StaffAssistConfirmed("camera_failure"))
    session.handle(aev.StaffAssistRefused("wrong_pin", 4))
    view = session.view()
    assert (view.assist_page, view.assist_message, view.assist_attempts_left) == ("pin", "wrong_pin", 4)
    session.handle(aev.StaffAssistPinEntered("246811"))
    assert session.view().assist_page == "confirm"  # the card is read already
    [check] = session.handle(aev.StaffAssistConfirmed("camera_failure"))
    assert check.pin == "246811"


def test_a_qr_code_is_sent_once_and_a_refused_credential_starts_over():
    session = failed_face()
    to_confirm(session, ("qr", "ASSIST1:abcdefgh"))
    [check] = session.handle(aev.StaffAssistConfirmed("disability"))
    assert (check.credential_kind, check.credential) == ("qr", "ASSIST1:abcdefgh")
    session.handle(aev.StaffAssistRefused("credential_used"))
    assert session.view().assist_page == "credential" and session.view().assist_message == "credential_used"
    assert session.assist.credential is None


def test_the_staff_card_is_not_taken_for_the_applicants_and_other_needs_words():
    session = failed_face()
    session.handle(aev.StaffAssistRequested())
    session.handle(ev.CardRead(STAFF_CARD))
    session.handle(aev.StaffAssistPinEntered("246810"))
    session.handle(ev.CardRead(STAFF_CARD))
    assert session.view().assist_page == "applicant_card" and session.view().assist_message == "assist_same_card"
    session.handle(ev.CardRead(APPLICANT))
    assert session.handle(aev.StaffAssistConfirmed("other", "  ")) == []
    assert session.view().assist_message == "reason_text_required"
    [check] = session.handle(aev.StaffAssistConfirmed("other", "hand injury"))
    assert check.text == "hand injury"


def test_a_policy_refusal_ends_on_the_counter_page_with_nothing_held():
    session = failed_face()
    to_confirm(session)
    session.handle(aev.StaffAssistConfirmed("elderly"))
    session.handle(aev.StaffAssistRefused("method_not_allowed"))
    assert session.view().assist_page == "refused" and session.holds_no_personal_data()


def test_the_person_who_cannot_use_the_camera_asks_during_the_face_check():
    session = Session(["case_status"], identity_method="face", clock=lambda: 100.0)
    session.handle(ev.CardRead(APPLICANT))
    assert session.state == State.VERIFY
    commands = session.handle(aev.StaffAssistRequested())
    assert SessionEnded("staff_assisted") in commands  # the camera stops
    assert session.state == State.STAFF_ASSIST and session.personal.card is None


def test_not_offered_after_a_finished_service_and_it_times_out():
    session = Session(["case_status"], identity_method="card_only_demo", clock=lambda: 100.0)
    session.handle(ev.CardRead(APPLICANT))
    session.handle(ev.IdentityVerified(method="card_only_demo"))
    session.handle(ev.ServiceChosen("case_status"))
    session.handle(ev.FlowFinished("finished"))
    assert session.state == State.DONE and session.handle(aev.StaffAssistRequested()) == []
    session = failed_face()
    to_confirm(session)
    session.handle(ev.Tick(100.0 + session.idle_timeout_s + session.idle_warning_s + 1))
    assert session.state == State.ATTRACT and session.holds_no_personal_data()
