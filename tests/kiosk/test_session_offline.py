"""The session while the gateway is unreachable: banner, network services refused, local services kept, recovery."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk import events as ev
from kiosk.session import NETWORK_SERVICES, SERVICE_DEVICES, Session, StartFlow, State

ALL = list(SERVICE_DEVICES)  # every service the kiosk knows


@dataclass
class Card:
    id_number: str = "110105196108041235"
    name: str = "欧阳明"
    expired: bool = False


@pytest.fixture
def session():
    now = [1000.0]
    return Session(ALL, [], identity_method="face", clock=lambda: now[0])


def to_menu(session):
    session.handle(ev.CardRead(Card()))
    session.handle(ev.IdentityVerified("face", 0.3))
    assert session.state == State.MENU


def test_online_by_default_and_everything_offered(session):
    view = session.view()
    assert view.online is True
    assert view.services == tuple(ALL)


def test_offline_banner_and_only_local_services(session):
    session.handle(ev.ConnectivityChanged(online=False))
    view = session.view()
    assert view.online is False
    assert view.services == ("case_status", "certificate_print", "pickup")
    assert set(view.services_unavailable) == NETWORK_SERVICES


@pytest.mark.parametrize("service", sorted(NETWORK_SERVICES))
def test_network_service_refused_with_a_message(session, service):
    to_menu(session)
    session.handle(ev.ConnectivityChanged(online=False))
    assert session.handle(ev.ServiceChosen(service)) == []
    assert session.state == State.MENU
    assert session.view().message == "service_offline"


@pytest.mark.parametrize("service", ["case_status", "pickup"])
def test_local_service_still_starts_offline(session, service):
    to_menu(session)
    session.handle(ev.ConnectivityChanged(online=False))
    commands = session.handle(ev.ServiceChosen(service))
    assert commands == [StartFlow(service, None)]
    assert session.state == State.FLOW


def test_back_online_restores_services_and_banner(session):
    to_menu(session)
    seen = []
    session.subscribe(seen.append)
    session.handle(ev.ConnectivityChanged(online=False))
    session.handle(ev.ConnectivityChanged(online=True))
    assert [v.online for v in seen] == [False, True]
    assert session.view().services == tuple(ALL)
    assert session.handle(ev.ServiceChosen("payment")) == [StartFlow("payment", None)]


def test_going_offline_mid_flow_does_not_abort_the_flow(session):
    to_menu(session)
    session.handle(ev.ServiceChosen("payment"))
    session.handle(ev.ConnectivityChanged(online=False))
    assert session.state == State.FLOW and session.service == "payment"


def test_offline_state_survives_the_end_of_a_session(session):
    session.handle(ev.ConnectivityChanged(online=False))
    to_menu(session)
    session.handle(ev.CancelRequested())
    assert session.state == State.ATTRACT
    assert session.view().online is False


def test_service_not_offered_by_the_site_gets_no_offline_message():
    session = Session(["case_status"], [], clock=lambda: 0.0)
    to_menu(session)
    session.handle(ev.ConnectivityChanged(online=False))
    session.handle(ev.ServiceChosen("payment"))
    assert session.view().message is None
