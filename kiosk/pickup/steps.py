"""The steps of a pickup at a locker as the screens show them: the code being checked or refused, the card and face
check it asks for, and the door (opening, retrying, take the certificate)."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import FlowStep


@dataclass(frozen=True, kw_only=True)
class PickupStep(FlowStep):
    """A step of a pickup; compartment: the door's label once a code was accepted."""

    compartment: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckingCode(PickupStep):
    """The scanned or typed code is being checked (offline)."""


@dataclass(frozen=True, kw_only=True)
class CodeRefused(PickupStep):
    """The code was refused (the session's message says why): scan or type it again."""


@dataclass(frozen=True, kw_only=True)
class IdentifyCollector(PickupStep):
    """The code was accepted: the collector's card and face come next."""


@dataclass(frozen=True, kw_only=True)
class DoorOpening(PickupStep):
    pass


@dataclass(frozen=True, kw_only=True)
class DoorRetrying(PickupStep):
    """The door did not open at the first try: trying again."""


@dataclass(frozen=True, kw_only=True)
class TakeCertificate(PickupStep):
    """The door is open: take the certificate and close the door."""
