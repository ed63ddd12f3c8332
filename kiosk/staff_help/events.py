"""The events of a call-staff request: the applicant's tap, the gateway's answer, the applicant closing the notice."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event


@dataclass(frozen=True)
class HelpRequested(Event):
    """The applicant tapped 呼叫工作人员 (call staff)."""


@dataclass(frozen=True)
class HelpRequestRaised(Event):
    """The gateway took the request: staff see it on the dashboard; number is what the kiosk shows."""

    request_id: int
    number: str


@dataclass(frozen=True)
class HelpRequestFailed(Event):
    """The request could not reach the gateway (message key)."""

    reason: str


@dataclass(frozen=True)
class HelpNoticeClosed(Event):
    """The applicant closed the "staff are on their way" notice (the request itself stays open for staff)."""
