"""The session state machine, driven by events with a fake clock: every transition, the timeouts and the wipe."""
from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass

import pytest

from kiosk import events as ev
from kiosk.flows.payment import CreatingOrder, WaitingForPayment
from kiosk.flows.steps import CaseChoice
from kiosk.session import (APPLICANT_STATES, AuthoriseApplicant, LoadCases, Session, SessionEnded, StartFlow,
                           StartVerification, State)
from tests.fakes import Clock


@dataclass
class Card:
    """Card-like object: weak-referenceable so a test can prove the session let go of it."""

    id_number: str = "110105196108041235"
    name: str = "欧阳明"
    expired: bool = False


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def session(clock):
    return Session(["case_status", "payment", "proof"], ["card_reader", "camera"], idle_timeout_s=60,
                   idle_warning_s=20, done_timeout_s=15, maintenance_idle_timeout_s=300, identity_method="face",
                   clock=clock)


def to_menu(session, card=None):
    card = card or Card()
    session.handle(ev.CardRead(card))
    session.handle(ev.IdentityVerified("face", 0.31))
    assert session.state == State.MENU
    return card


def to_flow(session, service="case_status"):
    to_menu(session)
    session.handle(ev.ApplicantAuthorised("tok-1"))
    session.handle(ev.ServiceChosen(service))
    assert session.state == State.FLOW


# -- the happy path ---------------------------------------------------------------------------------------------
def test_starts_in_attract_with_nothing_personal(session):
    assert session.state == State.ATTRACT
    assert session.personal.is_empty()


def test_tap_on_attract_asks_for_the_card(session):
    assert session.handle(ev.StartRequested()) == []
    assert session.state == State.IDENTIFY


def test_card_on_attract_goes_straight_to_verification(session):
    card = Card()
    commands = session.handle(ev.CardRead(card))
    assert session.state == State.VERIFY
    assert commands == [StartVerification("face", card)]


def test_card_on_identify_starts_verification(session):
    session.handle(ev.StartRequested())
    card = Card()
    assert session.handle(ev.CardRead(card)) == [StartVerification("face", card)]
    assert session.state == State.VERIFY


def test_expired_card_is_refused_with_a_message(session):
    commands = session.handle(ev.CardRead(Card(expired=True)))
    assert commands == []
    assert session.state == State.IDENTIFY
    assert session.view().message == "card_expired"
    assert session.personal.card is None


def test_verified_goes_to_menu_and_asks_for_a_token(session):
    card = Card()
    session.handle(ev.CardRead(card))
    commands = session.handle(ev.IdentityVerified("face", 0.31))
    assert session.state == State.MENU
    assert commands == [AuthoriseApplicant(card, "face", 0.31)]
    assert session.personal.verification["score"] == 0.31


def test_token_then_cases(session):
    to_menu(session)
    assert session.handle(ev.ApplicantAuthorised("tok-1")) == [LoadCases("tok-1", "110105196108041235")]
    session.handle(ev.CasesLoaded(("case-a", "case-b")))
    view = session.view()
    assert view.cases == ("case-a", "case-b") and view.cases_loaded


def test_empty_case_list_still_counts_as_loaded(session):
    to_menu(session)
    session.handle(ev.ApplicantAuthorised("tok-1"))
    session.handle(ev.CasesLoaded(()))
    assert session.view().cases_loaded and session.view().cases == ()


def test_service_choice_starts_the_flow_with_the_token(session):
    to_menu(session)
    session.handle(ev.ApplicantAuthorised("tok-1"))
    assert session.handle(ev.ServiceChosen("payment")) == [StartFlow("payment", "tok-1")]
    assert session.state == State.FLOW and session.view().service == "payment"


def test_unknown_or_unavailable_service_is_ignored(session):
    to_menu(session)
    assert session.handle(ev.ServiceChosen("pickup")) == []  # not offered at this site
    session.handle(ev.DeviceStatusChanged("receipt_printer", usable=False))
    assert "payment" not in session.view().services
    assert "payment" in session.view().services_unavailable
    assert session.handle(ev.ServiceChosen("payment")) == []
    assert session.state == State.MENU


def test_flow_updates_and_finish(session):
    to_flow(session)
    session.handle(ev.FlowUpdate(CreatingOrder()))
    assert session.view().flow == CreatingOrder()
    session.handle(ev.FlowFinished("paid", receipt_pending=True))
    view = session.view()
    assert session.state == State.DONE and view.outcome == "paid" and view.receipt_pending


def test_back_from_flow_returns_to_menu_keeping_the_applicant(session):
    to_flow(session)
    session.handle(ev.FlowUpdate(CreatingOrder()))
    session.handle(ev.BackRequested())
    assert session.state == State.MENU
    assert session.view().flow is None
    assert session.personal.card is not None and session.personal.token == "tok-1"


def test_back_from_done_returns_to_menu(session):
    to_flow(session)
    session.handle(ev.FlowFinished("shown"))
    session.handle(ev.BackRequested())
    assert session.state == State.MENU


def test_an_outcomes_next_step_starts_that_service_from_done(session):
    to_flow(session, "proof")
    session.handle(ev.FlowFinished("properties_exist"))
    assert session.handle(ev.ServiceChosen("proof")) == [StartFlow("proof", "tok-1")]
    assert session.state == State.FLOW and session.view().outcome is None


def test_no_service_starts_from_done_without_a_verified_applicant(session):
    session.handle(ev.CardRead(Card()))
    session.handle(ev.VerificationFailed("no_match"))
    assert session.state == State.DONE
    assert session.handle(ev.ServiceChosen("proof")) == [] and session.state == State.DONE


def test_done_returns_to_attract_after_its_timeout(session, clock):
    to_flow(session)
    session.handle(ev.FlowFinished("shown"))
    clock.now += 14
    session.handle(ev.Tick(clock.now))
    assert session.state == State.DONE
    clock.now += 2
    assert session.handle(ev.Tick(clock.now)) == [SessionEnded("done")]
    assert session.state == State.ATTRACT and session.personal.is_empty()


# -- verification ---------------------------------------------------------------------------------------------
def test_verification_progress_is_shown_and_keeps_the_session_alive(session, clock):
    session.handle(ev.CardRead(Card()))
    clock.now += 55
    session.handle(ev.VerificationProgress("blink", attempt=2, seconds_left=12))
    view = session.view()
    assert (view.verify_guidance, view.verify_attempt, view.verify_seconds_left) == ("blink", 2, 12)
    clock.now += 30
    session.handle(ev.Tick(clock.now))
    assert session.state == State.VERIFY and not session.view().idle_warning


def test_verification_failure_sends_the_applicant_to_staff_and_forgets_them(session):
    session.handle(ev.CardRead(Card()))
    commands = session.handle(ev.VerificationFailed("no_match"))
    assert commands == [SessionEnded("verification_failed")]
    assert session.state == State.DONE
    view = session.view()
    assert view.outcome == "ask_staff" and view.message == "no_match"
    assert session.personal.is_empty()


def test_late_verification_result_is_ignored_outside_verify(session):
    assert session.handle(ev.IdentityVerified("face", 0.2)) == []
    assert session.state == State.ATTRACT
    assert session.handle(ev.VerificationFailed("no_match")) == []
    assert session.handle(ev.VerificationProgress("blink")) == []
    assert session.state == State.ATTRACT


def test_results_for_an_unverified_applicant_are_ignored(session):
    session.handle(ev.CardRead(Card()))
    assert session.handle(ev.ApplicantAuthorised("tok")) == []
    session.handle(ev.CasesLoaded(("x",)))
    assert session.personal.token is None and session.personal.cases == []


def test_same_card_again_changes_nothing(session):
    card = to_menu(session)
    assert session.handle(ev.CardRead(Card())) == []
    assert session.state == State.MENU and session.personal.card is card


def test_another_persons_card_ends_the_previous_session_first(session):
    first = to_menu(session)
    session.handle(ev.ApplicantAuthorised("tok-1"))
    other = Card(id_number="310115194211202341", name="白德华")
    commands = session.handle(ev.CardRead(other))
    assert commands == [SessionEnded("new_card"), StartVerification("face", other)]
    assert session.state == State.VERIFY
    assert session.personal.card is other and session.personal.token is None
    assert first is not session.personal.card


def test_card_removed_is_just_activity(session, clock):
    session.handle(ev.CardRead(Card()))
    clock.now += 50
    session.handle(ev.CardRemoved())
    assert session.last_activity == clock.now and session.state == State.VERIFY


# -- cancel and idle timeouts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("reach", ["identify", "verify", "menu", "flow", "done"])
def test_cancel_from_every_applicant_step_wipes_and_returns_to_attract(session, reach):
    if reach == "identify":
        session.handle(ev.StartRequested())
    elif reach == "verify":
        session.handle(ev.CardRead(Card()))
    elif reach == "menu":
        to_menu(session)
    else:
        to_flow(session)
        if reach == "done":
            session.handle(ev.FlowFinished("shown"))
    assert session.state.value == reach
    assert session.handle(ev.CancelRequested()) == [SessionEnded("cancelled")]
    assert session.state == State.ATTRACT
    assert session.personal.is_empty()


def test_cancel_in_attract_does_nothing(session):
    assert session.handle(ev.CancelRequested()) == []
    assert session.state == State.ATTRACT


def test_idle_warning_then_reset_with_a_countdown(session, clock):
    to_menu(session)
    clock.now += 59
    session.handle(ev.Tick(clock.now))
    assert not session.view().idle_warning
    clock.now += 1
    session.handle(ev.Tick(clock.now))
    view = session.view()
    assert view.idle_warning and view.countdown_s == 20
    clock.now += 12
    session.handle(ev.Tick(clock.now))
    assert session.view().countdown_s == 8
    clock.now += 8
    assert session.handle(ev.Tick(clock.now)) == [SessionEnded("timeout")]
    assert session.state == State.ATTRACT
    assert session.view().message == "timed_out"
    assert session.personal.is_empty()


def test_a_touch_during_the_warning_keeps_the_session(session, clock):
    to_menu(session)
    clock.now += 65
    session.handle(ev.Tick(clock.now))
    assert session.view().idle_warning
    session.handle(ev.UserActivity())
    assert not session.view().idle_warning
    clock.now += 59
    session.handle(ev.Tick(clock.now))
    assert session.state == State.MENU and not session.view().idle_warning


def test_identify_step_times_out_too(session, clock):
    session.handle(ev.StartRequested())
    clock.now += 80
    session.handle(ev.Tick(clock.now))
    assert session.state == State.ATTRACT


def test_no_timeout_in_attract(session, clock):
    clock.now += 10_000
    assert session.handle(ev.Tick(clock.now)) == []
    assert session.state == State.ATTRACT


def test_message_of_the_timeout_is_cleared_by_the_next_applicant(session, clock):
    session.handle(ev.StartRequested())
    clock.now += 80
    session.handle(ev.Tick(clock.now))
    session.handle(ev.StartRequested())
    assert session.view().message is None


# -- the wipe ---------------------------------------------------------------------------------------------------
def test_reset_wipes_every_piece_of_personal_data(session, clock):
    card = Card()
    to_menu(session, card)
    session.handle(ev.ApplicantAuthorised("tok-secret"))
    session.handle(ev.CasesLoaded(("case-a",)))
    session.handle(ev.ServiceChosen("payment"))
    session.handle(ev.FlowUpdate(WaitingForPayment(case=CaseChoice("case-a"), order_id="o-1", total_fen=12345)))
    signature = bytearray(b"\x01\x02\x03signature-pixels")
    encoding = bytearray(b"face-encoding-bytes")

    class Encoding:
        def __init__(self, data):
            self.data = data

        def fill(self, value):
            self.data[:] = bytes([value]) * len(self.data)

    session.personal.signature = signature
    session.personal.face_encodings.append(Encoding(encoding))
    held = session.personal
    cases = held.cases
    assert held.flow is not None
    card_ref = weakref.ref(card)
    del card

    session.handle(ev.CancelRequested())

    # The session holds nothing personal (not in the core, not in a part), and the view shows nothing personal.
    assert session.personal.is_empty() and session.holds_no_personal_data()
    view = session.view()
    assert (view.applicant_name, view.applicant_id, view.cases, view.flow, view.service) == ("", "", (), None, None)
    # The old containers were cleared in place and byte buffers zeroed, so no other holder keeps the data.
    assert held.is_empty() and cases == [] and held.flow is None
    assert signature == bytearray(len(signature)) and encoding == bytearray(len(encoding))
    # Nothing references the card any more: it can be collected.
    gc.collect()
    assert card_ref() is None
    # And the applicant's language choice is forgotten too.
    assert session.language == "zh_CN"


def test_results_arriving_after_reset_are_not_shown(session):
    to_menu(session)
    session.handle(ev.CancelRequested())
    session.handle(ev.ApplicantAuthorised("late-token"))
    session.handle(ev.CasesLoaded(("late-case",)))
    assert session.personal.is_empty()


# -- devices, fleet commands, maintenance --------------------------------------------------------------------
def test_required_device_down_puts_an_idle_kiosk_out_of_service_and_back(session):
    session.handle(ev.DeviceStatusChanged("camera", usable=False, status="offline"))
    assert session.state == State.OUT_OF_SERVICE
    view = session.view()
    assert view.out_of_service_message == "device_unavailable" and view.unusable_devices == ("camera",)
    assert session.handle(ev.StartRequested()) == [] and session.state == State.OUT_OF_SERVICE
    assert session.handle(ev.CardRead(Card())) == [] and session.personal.is_empty()
    session.handle(ev.DeviceStatusChanged("camera", usable=True, status="online"))
    assert session.state == State.ATTRACT


def test_optional_device_down_keeps_the_kiosk_in_service(session):
    session.handle(ev.DeviceStatusChanged("receipt_printer", usable=False))
    assert session.state == State.ATTRACT
    assert "payment" not in session.available_services()


def test_device_failure_mid_session_waits_for_the_session_to_end(session):
    to_menu(session)
    session.handle(ev.DeviceStatusChanged("card_reader", usable=False))
    assert session.state == State.MENU
    session.handle(ev.CancelRequested())
    assert session.state == State.OUT_OF_SERVICE


def test_fleet_out_of_service_command_and_back(session):
    session.handle(ev.ServiceModeCommanded(in_service=False, message="系统维护中"))
    assert session.state == State.OUT_OF_SERVICE
    assert session.view().out_of_service_message == "系统维护中"
    session.handle(ev.ServiceModeCommanded(in_service=True))
    assert session.state == State.ATTRACT


def test_fleet_command_mid_session_applies_after_it(session):
    to_menu(session)
    session.handle(ev.ServiceModeCommanded(in_service=False, message=""))
    assert session.state == State.MENU
    session.handle(ev.CancelRequested())
    assert session.state == State.OUT_OF_SERVICE
    assert session.view().out_of_service_message == "out_of_service"


def test_back_in_service_but_device_still_down_stays_out(session):
    session.handle(ev.ServiceModeCommanded(in_service=False, message="x"))
    session.handle(ev.DeviceStatusChanged("camera", usable=False))
    session.handle(ev.ServiceModeCommanded(in_service=True))
    assert session.state == State.OUT_OF_SERVICE
    assert session.view().out_of_service_message == "device_unavailable"


@pytest.mark.parametrize("start", [State.ATTRACT, State.OUT_OF_SERVICE])
def test_maintenance_from_attract_or_out_of_service(session, start):
    if start == State.OUT_OF_SERVICE:
        session.handle(ev.DeviceStatusChanged("camera", usable=False))
    session.handle(ev.MaintenanceRequested("staff-007"))
    assert session.state == State.MAINTENANCE and session.view().staff_id == "staff-007"
    session.handle(ev.MaintenanceExited())
    assert session.state == start and session.view().staff_id is None


def test_no_maintenance_while_an_applicant_is_served(session):
    to_menu(session)
    assert session.handle(ev.MaintenanceRequested("staff-007")) == []
    assert session.state == State.MENU


def test_maintenance_idle_timeout(session, clock):
    session.handle(ev.MaintenanceRequested("staff-007"))
    clock.now += 299
    session.handle(ev.Tick(clock.now))
    assert session.state == State.MAINTENANCE
    session.handle(ev.UserActivity())
    clock.now += 299
    session.handle(ev.Tick(clock.now))
    assert session.state == State.MAINTENANCE
    clock.now += 1
    from kiosk.maintenance.session_part import RunDeskAction

    assert session.handle(ev.Tick(clock.now)) == [SessionEnded("maintenance_timeout"), RunDeskAction("preview:off")]
    assert session.state == State.ATTRACT


def test_cards_are_ignored_in_maintenance(session):
    session.handle(ev.MaintenanceRequested("staff-007"))
    assert session.handle(ev.CardRead(Card())) == []
    assert session.personal.is_empty()


# -- language and observers -----------------------------------------------------------------------------------
def test_language_switch_and_reset_to_default(session):
    session.handle(ev.StartRequested())
    session.handle(ev.LanguageChanged("en"))
    assert session.view().language == "en"
    session.handle(ev.LanguageChanged("klingon"))
    assert session.view().language == "en"
    session.handle(ev.CancelRequested())
    assert session.view().language == "zh_CN"


def test_observers_see_changes_only(session):
    seen = []
    session.subscribe(seen.append)
    session.handle(ev.Tick(session.clock()))
    assert seen == []
    session.handle(ev.StartRequested())
    assert [v.state for v in seen] == [State.IDENTIFY]


def test_view_masks_name_and_id_number(session):
    to_menu(session)
    view = session.view()
    assert view.applicant_name == "欧**"
    assert view.applicant_id == "1101**********1235"
    assert "欧阳明" not in repr(view) and "110105196108041235" not in repr(view)


def test_unknown_event_is_ignored_not_fatal(session):
    class Strange(ev.Event):
        pass

    assert session.handle(Strange()) == []
    assert session.state == State.ATTRACT


def test_every_state_is_reachable(session):
    reached = {session.state}
    session.subscribe(lambda view: reached.add(view.state))
    session.handle(ev.StartRequested())
    to_flow(session)
    session.handle(ev.FlowFinished("shown"))
    session.handle(ev.CancelRequested())
    session.handle(ev.StaffCredentialPresented())
    session.handle(ev.MaintenanceRequested("s"))
    session.handle(ev.MaintenanceExited())
    session.handle(ev.ServiceModeCommanded(False, "m"))
    # A locker's state: tests/kiosk/test_session_pickup.py; issue 21's (staff-assisted check, queue ticket, guide):
    # tests/kiosk/staff_assist/, tests/kiosk/hall_queue/.
    assert reached | {State.PICKUP_CODE, State.STAFF_ASSIST, State.QUEUE, State.GUIDE} == set(State)
    assert APPLICANT_STATES < set(State)


def test_from_config_uses_the_profile(tmp_path):
    from config import load_profile

    config = load_profile("locker", env={})
    session = Session.from_config(config)
    assert session.services == ("pickup",)
    assert session.required_devices == {"card_reader", "camera", "scanner", "locker"}
    assert session.idle_timeout_s == config.session.idle_timeout_s
