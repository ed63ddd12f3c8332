"""The session at a pickup locker: code scanned or typed -> checked -> card + face -> the door -> done, and every
refusal, lockout and alarm on the way. Driven by events with a fake clock; no screen, no devices."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk import events as ev
from kiosk.pickup import steps
from kiosk.pickup.session_part import CheckPickupCode, OpenCompartment
from kiosk.rating import events as rev
from kiosk.session import Session, SessionEnded, StartFlow, StartVerification, State
from tests.fakes import Clock

QR = "PK1.eyJjaWQiOiJQQzEifQ.c2ln"


@dataclass(frozen=True)
class Card:
    id_number: str = "110105196108041235"
    name: str = "欧阳明"
    expired: bool = False


@dataclass(frozen=True)
class Code:
    code_id: str = "PC1"
    compartment: str = "A02"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def session(clock):
    return Session(["pickup"], ["card_reader", "camera", "scanner", "locker"], idle_timeout_s=60, idle_warning_s=20,
                   done_timeout_s=15, identity_method="face", clock=clock)


def accepted(session, code=Code()):
    assert session.handle(ev.CodeScanned(QR)) == [CheckPickupCode("qr", QR)]
    session.handle(ev.PickupCodeChecked("qr", "accepted", code))
    assert session.state == State.IDENTIFY


def test_a_scanned_pickup_code_is_checked_then_the_card_is_asked_for(session):
    commands = session.handle(ev.CodeScanned(QR))
    assert commands == [CheckPickupCode("qr", QR)] and session.state == State.PICKUP_CODE
    assert isinstance(session.view().flow, steps.CheckingCode) and QR not in repr(commands)
    session.handle(ev.PickupCodeChecked("qr", "accepted", Code()))
    view = session.view()
    assert view.state == State.IDENTIFY and view.message == "pickup_code_accepted"
    assert view.flow == steps.IdentifyCollector(compartment="A02")


def test_typed_digits_are_checked_the_same_way(session):
    commands = session.handle(ev.PickupDigitsEntered("12345678"))
    assert commands == [CheckPickupCode("digits", "12345678")] and session.state == State.PICKUP_CODE
    assert "12345678" not in repr(commands[0]) and "12345678" not in repr(ev.PickupDigitsEntered("12345678"))


def test_card_and_face_of_the_person_then_exactly_that_door(session):
    accepted(session)
    card = Card()
    assert session.handle(ev.CardRead(card)) == [StartVerification("face", card)]
    commands = session.handle(ev.IdentityVerified("face", 0.3))
    assert commands == [OpenCompartment(Code(), card)]
    assert session.state == State.FLOW and session.service == "pickup"
    assert session.view().flow == steps.DoorOpening(compartment="A02")
    assert session.pickup.code is None  # one opening per accepted code
    session.handle(ev.LockerDoorOpened("A02", "PC1"))
    assert session.view().flow == steps.TakeCertificate(compartment="A02")
    session.handle(ev.FlowFinished("picked_up", receipt_pending=True))
    assert session.state == State.DONE and session.outcome == "picked_up"
    session.handle(ev.Tick(session.clock() + 16))
    assert session.state == State.ATTRACT and session.personal.is_empty() and session.holds_no_personal_data()


def test_no_token_and_no_case_list_for_a_pickup(session):
    accepted(session)
    session.handle(ev.CardRead(Card()))
    commands = session.handle(ev.IdentityVerified("face", 0.3))
    assert [type(c) for c in commands] == [OpenCompartment]  # offline-capable: no AuthoriseApplicant


@pytest.mark.parametrize("reason", ["code_expired", "code_used", "code_malformed", "digits_wrong",
                                    "code_wrong_locker"])
def test_a_refused_code_says_why_and_stays_to_try_again(session, reason):
    session.handle(ev.CodeScanned(QR))
    session.handle(ev.PickupCodeChecked("qr", reason))
    view = session.view()
    assert view.state == State.PICKUP_CODE and view.message == reason and isinstance(view.flow, steps.CodeRefused)
    assert view.pickup_locked_s is None
    assert session.handle(ev.PickupDigitsEntered("87654321")) == [CheckPickupCode("digits", "87654321")]


def test_lockout_is_shown_with_the_time_left_and_outlives_the_session(session, clock):
    session.handle(ev.PickupDigitsEntered("00000000"))
    session.handle(ev.PickupCodeChecked("digits", "code_entry_locked", None, 299.5))
    assert session.view().pickup_locked_s == 300 and session.message == "code_entry_locked"
    session.handle(ev.CancelRequested())
    assert session.state == State.ATTRACT and session.view().pickup_locked_s == 300
    seen = []
    session.subscribe(seen.append)
    clock.now += 120
    session.handle(ev.Tick(clock.now))
    assert session.view().pickup_locked_s == 180 and seen[-1].pickup_locked_s == 180  # the screen is told
    clock.now += 200
    session.handle(ev.Tick(clock.now))
    assert session.view().pickup_locked_s is None and seen[-1].pickup_locked_s is None


def test_an_accepted_code_clears_the_lockout(session):
    session.handle(ev.CodeScanned(QR))
    session.handle(ev.PickupCodeChecked("qr", "code_entry_locked", None, 10))
    session.handle(ev.PickupCodeChecked("qr", "accepted", Code()))
    assert session.view().pickup_locked_s is None and session.state == State.IDENTIFY


def test_a_card_before_any_code_is_not_kept_and_the_screen_says_scan_first(session):
    assert session.handle(ev.CardRead(Card())) == []
    assert session.state == State.ATTRACT and session.message == "pickup_scan_first"
    assert session.personal.card is None


def test_a_code_mid_session_changes_nothing(session):
    accepted(session)
    session.handle(ev.CardRead(Card()))
    assert session.handle(ev.CodeScanned(QR)) == [] and session.state == State.VERIFY


def test_a_result_arriving_after_cancel_is_ignored(session):
    session.handle(ev.CodeScanned(QR))
    assert session.handle(ev.CancelRequested()) == [SessionEnded("cancelled")]
    session.handle(ev.PickupCodeChecked("qr", "accepted", Code()))
    assert session.state == State.ATTRACT and session.pickup.code is None


def test_failed_face_check_wipes_the_code(session):
    accepted(session)
    session.handle(ev.CardRead(Card()))
    session.handle(ev.VerificationFailed("no_match"))
    assert session.state == State.DONE and session.pickup.code is None


def test_idle_at_the_code_step_resets(session, clock):
    session.handle(ev.CodeScanned(QR))
    session.handle(ev.PickupCodeChecked("qr", "digits_wrong"))
    clock.now += 81
    assert session.handle(ev.Tick(clock.now)) == [SessionEnded("timeout")]
    assert session.state == State.ATTRACT


def test_door_left_open_alarm_is_shown_until_cleared(session):
    session.handle(ev.LockerAlarm("door_left_open", "A02"))
    session.handle(ev.LockerAlarm("door_did_not_open", "A03"))  # told on the done screen, not a standing alarm
    assert session.view().locker_alarms == ("A02",)
    session.handle(ev.LockerAlarm("door_left_open", "A02", active=False))
    assert session.view().locker_alarms == ()


def test_pickup_attempts_are_activity_only(session):
    accepted(session)
    before = session.state
    assert session.handle(ev.PickupAttempted("identity", "person_mismatch", "PC1", "A02")) == []
    assert session.state == before


def test_a_hall_ignores_pickup_codes(clock):
    hall = Session(["case_status", "payment"], clock=clock)
    assert hall.handle(ev.CodeScanned(QR)) == [] and hall.state == State.ATTRACT
    assert hall.handle(ev.CardRead(Card())) != []  # a hall still starts with the card


def test_pickup_from_a_menu_is_a_plain_flow(clock):
    both = Session(["case_status", "pickup"], clock=clock)
    both.handle(ev.CardRead(Card()))
    both.handle(ev.IdentityVerified("face", 0.3))
    assert both.state == State.MENU
    assert both.handle(ev.ServiceChosen("pickup")) == [StartFlow("pickup", None)]


def test_a_card_placed_while_the_code_is_checked_is_used_once_it_is_accepted(session):
    session.handle(ev.CodeScanned(QR))
    card = Card()
    assert session.handle(ev.CardRead(card)) == [] and session.state == State.PICKUP_CODE
    assert session.handle(ev.PickupCodeChecked("qr", "accepted", Code())) == [StartVerification("face", card)]
    assert session.state == State.VERIFY


def test_a_card_waiting_at_the_code_step_is_wiped_by_a_timeout(session, clock):
    session.handle(ev.CodeScanned(QR))
    session.handle(ev.PickupCodeChecked("qr", "digits_wrong"))
    session.handle(ev.CardRead(Card()))
    assert session.pickup.waiting_card is not None and not session.holds_no_personal_data()
    clock.now += 81
    session.handle(ev.Tick(clock.now))
    assert session.state == State.ATTRACT and session.personal.is_empty() and session.holds_no_personal_data()


@pytest.mark.parametrize("outcome, rated", [("picked_up", True), ("door_left_open", False),
                                            ("door_did_not_open", False), ("person_mismatch", False)])
def test_a_pickup_is_rated_once_the_certificate_is_out_and_the_door_shut(session, outcome, rated):
    """好差评 at the locker: the panel comes over the door screen only when nothing on that screen is left to do."""
    accepted(session)
    session.handle(ev.CardRead(Card()))
    session.handle(ev.IdentityVerified("face", 0.3))
    session.handle(ev.FlowFinished(outcome))
    assert session.state == State.DONE and session.view().rating_page == ("ask" if rated else None)
    if rated:
        [submit] = session.handle(rev.RatingChosen(5))
        assert (submit.service, submit.level, submit.outcome) == ("pickup", 5, "picked_up")
        assert Card().id_number not in repr(submit) and Code().compartment not in repr(submit)
