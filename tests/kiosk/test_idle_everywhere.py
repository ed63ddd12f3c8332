"""Issue 20 item 1: every screen of every flow of every site profile times out (idle -> warning -> signed out), a
screen waiting for the applicant's phone waits longer, and a session that timed out can never be re-entered.

The session's real state machine, built from each bundled site profile, with an injected clock: each screen is
reached by the events that reach it on a kiosk, then left alone while its flow keeps talking (a flow re-posts the
step on screen with new values: the payment QR code's countdown and status polls did that every second and kept
an abandoned screen alive for ever)."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from config.loader import load_profile
from kiosk import events as ev
from kiosk.flows import e_certificate, mortgage_certificate, mortgage_signing, payment, proof, transfers
from kiosk.flows.case_status import CaseList
from kiosk.flows.steps import ChooseCase
from kiosk.pickup import steps as pickup_steps
from kiosk.session import Session, State

PROFILES = ("hall", "bank", "locker")

# Every step each service's flow shows (its module's FlowStep classes).
SERVICE_STEPS = {
    "case_status": (CaseList,),
    "payment": (ChooseCase, payment.NothingToPay, payment.Reconciling, payment.Fees, payment.CreatingOrder,
                payment.WaitingForPayment, payment.PrintingReceipt),
    "proof": (proof.ChooseKind, proof.PrintingProof),
    "certificate_print": (),
    "e_certificate": (ChooseCase, e_certificate.NothingIssued, e_certificate.CreatingLink, e_certificate.ShowingQr,
                      e_certificate.LinkExpired),
    "transfers": (ChooseCase, transfers.ChooseUtilities, transfers.NothingToTransfer),
    "mortgage_signing": (mortgage_signing.StaffSignIn, mortgage_signing.ChooseApplication,
                         mortgage_signing.Submissions, mortgage_signing.PartyCard, mortgage_signing.PartyFace,
                         mortgage_signing.PartyFailed, mortgage_signing.ReadApplication, mortgage_signing.Sign,
                         mortgage_signing.Finished),
    "mortgage_certificate": (mortgage_certificate.MortgageList,),
    "pickup": (pickup_steps.CheckingCode, pickup_steps.IdentifyCollector, pickup_steps.DoorOpening,
               pickup_steps.DoorRetrying, pickup_steps.TakeCertificate),
}
CARD = SimpleNamespace(name="测试人", id_number="110105196108041235", expired=False)


def make_step(cls, n: int):
    """A step of this type, its required fields filled (the session looks only at the step's type)."""
    values = {f.name: (n if f.type in ("int", "int | None") else None) for f in dataclasses.fields(cls)
              if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    return cls(**values)


class Kiosk:
    def __init__(self, profile: str):
        self.config = load_profile(profile)
        self.now = 1000.0
        self.session = Session.from_config(self.config, clock=lambda: self.now)
        self.views = []
        self.session.subscribe(self.views.append)

    def post(self, event):
        return self.session.handle(event)

    def verified(self):
        self.post(ev.StartRequested())
        self.post(ev.CardRead(CARD))
        assert self.session.state == State.VERIFY
        self.post(ev.IdentityVerified(method="face", score=0.3, token="tok"))
        self.post(ev.ApplicantAuthorised("tok"))
        self.post(ev.CasesLoaded(()))
        assert self.session.state == State.MENU

    def left_alone(self, talk=None, limit_s: float = 2000):
        """Time passes with no touch (the flow posting `talk` every second); returns (warned at, ended at)."""
        warned = ended = None
        started = self.now
        while self.now - started < limit_s:
            self.now += 1.0
            if talk is not None and self.session.state == State.FLOW:
                self.post(ev.FlowUpdate(talk))
            self.post(ev.Tick(self.now))
            if warned is None and self.session.idle_warning:
                warned = self.now - started
            if self.session.state in (State.ATTRACT, State.OUT_OF_SERVICE):
                ended = self.now - started
                break
        return warned, ended

    def no_way_back(self):
        """Nothing but a new card and face check leads back in: not 回到主菜单, a service, an answer, late results."""
        assert self.session.state == State.ATTRACT and self.session.holds_no_personal_data()
        for service in self.session.services:
            for event in (ev.BackRequested(), ev.ServiceChosen(service), ev.FlowAnswer("back"),
                          ev.FlowAnswer("choose", "BDC1"), ev.FlowUpdate(make_step(ChooseCase, 1)),
                          ev.ApplicantAuthorised("tok"), ev.CasesLoaded(()), ev.FlowFinished("finished"),
                          ev.IdentityVerified(method="face", score=0.3, token="tok2"), ev.UserActivity()):
                self.post(event)
                assert self.session.state == State.ATTRACT, f"{event} led back in"
                assert self.session.personal.token is None and self.session.personal.verification is None
        self.post(ev.StartRequested())
        assert self.session.state == State.IDENTIFY
        self.post(ev.IdentityVerified(method="face", score=0.3, token="tok3"))  # no card: no way past the check
        assert self.session.state == State.IDENTIFY
        self.post(ev.CancelRequested())


def screens_of(profile: str):
    config = load_profile(profile)
    services = [s.value for s in config.site.services]
    yield "identify", None, None
    yield "verify", None, None
    yield "menu", None, None
    for service in services:
        for n, cls in enumerate(SERVICE_STEPS[service] or (None,)):
            yield "flow", service, cls
    yield "done", services[0], None


def cases():
    for profile in PROFILES:
        for where, service, step in screens_of(profile):
            name = f"{profile}-{where}" + (f"-{service}" if service else "") + (f"-{step.__name__}" if step else "")
            yield pytest.param(profile, where, service, step, id=name)


@pytest.mark.parametrize("profile,where,service,step_cls", list(cases()))
def test_every_screen_times_out_and_cannot_be_reentered(profile, where, service, step_cls):
    kiosk = Kiosk(profile)
    s = kiosk.session
    talk = None
    if where == "identify":
        kiosk.post(ev.StartRequested())
    elif where == "verify":
        kiosk.post(ev.StartRequested())
        kiosk.post(ev.CardRead(CARD))
    else:
        kiosk.verified()
        if where in ("flow", "done"):
            kiosk.post(ev.ServiceChosen(service))
            assert s.state == State.FLOW, f"{service} is offered in the {profile} profile"
            if step_cls is not None:
                talk = make_step(step_cls, 1)
                kiosk.post(ev.FlowUpdate(talk))
                # the same step again with new values, as a countdown or a status poll posts it
                talk = dataclasses.replace(talk, message=None)
        if where == "done":
            kiosk.post(ev.FlowFinished("payment_cancelled"))  # 不缴了 -> the done screen offers 回到主菜单
            assert s.state == State.DONE
    assert s.state.value == where
    before = len(kiosk.views)
    warned, ended = kiosk.left_alone(talk)
    assert ended is not None, f"the {where} screen never timed out"
    timeout = s.phone_idle_timeout_s if type(talk).__name__ in ("WaitingForPayment", "ShowingQr") \
        else s.idle_timeout_s
    if where == "done":
        assert ended <= s.done_timeout_s + 1
    else:
        assert warned is not None and abs(warned - timeout) <= 1, (warned, timeout)
        assert abs(ended - (timeout + s.idle_warning_s)) <= 1, (ended, timeout)
        # the warning's countdown moved each second (the observers saw it change, not one frozen number)
        countdowns = [v.countdown_s for v in kiosk.views[before:] if v.idle_warning]
        assert len(set(countdowns)) >= s.idle_warning_s - 1
        assert countdowns == sorted(countdowns, reverse=True)
    assert s.holds_no_personal_data()
    kiosk.no_way_back()


def test_a_phone_wait_is_longer_and_the_view_says_how_long():
    kiosk = Kiosk("hall")
    kiosk.verified()
    kiosk.post(ev.ServiceChosen("payment"))
    kiosk.post(ev.FlowUpdate(make_step(payment.Fees, 1)))
    assert kiosk.session.view().idle_timeout_s == kiosk.session.idle_timeout_s
    kiosk.post(ev.FlowUpdate(make_step(payment.WaitingForPayment, 1)))
    view = kiosk.session.view()
    assert view.idle_timeout_s == kiosk.session.phone_idle_timeout_s > kiosk.session.idle_timeout_s
    assert view.idle_ends_at == pytest.approx(kiosk.now + view.idle_timeout_s + kiosk.session.idle_warning_s)
    kiosk.now += 30
    kiosk.post(ev.UserActivity())  # a touch gives the full time again
    assert kiosk.session.view().idle_ends_at == pytest.approx(kiosk.now + view.idle_timeout_s
                                                              + kiosk.session.idle_warning_s)


def test_elderly_mode_switches_within_the_session_and_resets_for_the_next_person():
    kiosk = Kiosk("hall")
    kiosk.verified()
    kiosk.post(ev.ServiceChosen("case_status"))
    from kiosk.accessibility.session_part import ElderlyModeChanged, SpeechVolumeChanged

    kiosk.post(ElderlyModeChanged(None))
    view = kiosk.session.view()
    assert view.elderly and view.state == State.FLOW and view.service == "case_status", "the session goes on"
    kiosk.post(SpeechVolumeChanged(1))
    assert kiosk.session.view().speech_volume > 100
    kiosk.post(ev.CancelRequested())
    view = kiosk.session.view()
    assert not view.elderly, "the next applicant starts in the site's mode"
    assert view.speech_volume > 100, "the hall's volume stays"
    for _ in range(20):
        kiosk.post(SpeechVolumeChanged(1))
    assert kiosk.session.view().speech_volume == 200
    # switched on at the attract screen and left: back to the default after the idle time
    kiosk.post(ElderlyModeChanged(True))
    assert kiosk.session.view().elderly
    kiosk.now += kiosk.session.idle_timeout_s + 1
    kiosk.post(ev.Tick(kiosk.now))
    assert not kiosk.session.view().elderly
