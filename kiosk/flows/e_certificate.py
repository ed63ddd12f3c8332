"""The e-certificate flow: choose a case whose certificate exists, show a QR code the applicant scans with a phone to
download the e-certificate and the contract, count down until the link expires, done.

The gateway mints the link (POST /v1/cases/{id}/e-certificate-links): random, valid for that case only, for a few
minutes. The link is a key to the applicant's documents, so it is never logged and leaves the screen when it expires
or the session ends (the session's idle timeout still applies: the countdown is drawn by the screen, not posted
every second, so it does not count as the applicant's activity).
Steps shown: ChooseCase, NothingIssued, CreatingLink, ShowingQr, LinkExpired. FlowAnswer: choose <case_id>, again,
done.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.flows.base import WAIT_FOREVER_S, GatewayFlow
from kiosk.flows.steps import CaseChoice, ChooseCase

logger = logging.getLogger(__name__)

# The registry has issued the certificate (for a mortgage, the registration proof) in these statuses.
ELIGIBLE_STATUSES = frozenset({"recorded", "certificate_ready", "collected"})


@dataclass(frozen=True, kw_only=True)
class NothingIssued(ev.FlowStep):
    """No case of this applicant has its certificate issued yet."""


@dataclass(frozen=True, kw_only=True)
class CreatingLink(ev.FlowStep):
    case: CaseChoice


@dataclass(frozen=True, kw_only=True)
class ShowingQr(ev.FlowStep):
    """The download link as a QR code until expires_at (wall clock); FlowAnswer done."""

    case: CaseChoice
    url: str
    documents: tuple[str, ...] = ()
    expires_at: float | None = None

    def __repr__(self) -> str:  # the link is a key to the applicant's documents: never print it
        return f"ShowingQr(case={self.case!r}, url=<{len(self.url)} chars>)"


@dataclass(frozen=True, kw_only=True)
class LinkExpired(ev.FlowStep):
    """The link expired on screen: FlowAnswer again (a new link) or done."""

    case: CaseChoice


class ECertificateFlow(GatewayFlow):
    name = "e_certificate"

    def __init__(self, platform, services=None, clock=time.time):
        super().__init__(platform, services)
        self.clock = clock  # wall clock: the screen counts down to expires_at with its own

    def _run(self, ctx) -> None:
        if not self._ready(ctx, self.platform):
            return
        cases = [c for c in self.platform.list_cases(ctx.token) if c.status in ELIGIBLE_STATUSES]
        if not cases:
            ctx.post(ev.FlowUpdate(NothingIssued()))
            return
        case = cases[0] if len(cases) == 1 else self._choose(ctx, cases)
        while case is not None and not ctx.is_over():
            again = self._show(ctx, case)
            if not again:
                return

    def _choose(self, ctx, cases):
        ctx.post(ev.FlowUpdate(ChooseCase(cases=tuple(CaseChoice.of(c) for c in cases))))
        by_id = {c.case_id: c for c in cases}
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return None
            if answer.action == "choose" and answer.value in by_id:
                return by_id[answer.value]

    def _show(self, ctx, case) -> bool:
        """Shows one link until it expires or the applicant is done; True when they ask for a new one."""
        choice = CaseChoice(case.case_id, case.title, case.kind)
        ctx.post(ev.FlowUpdate(CreatingLink(case=choice)))
        link = self.platform.e_certificate_link(ctx.token, case.case_id)
        if ctx.is_over():
            return False
        lifetime = max(0, int(link.get("expires_in_s") or 0))
        deadline = time.monotonic() + lifetime
        logger.info("e_certificate: link for case %s shown (%d s)", case.case_id, lifetime)
        ctx.post(ev.FlowUpdate(ShowingQr(case=choice, url=str(link["url"]),
                                         documents=tuple(link.get("documents") or ()),
                                         expires_at=self.clock() + lifetime)))
        while not ctx.is_over():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            answer = ctx.wait_input(left)
            if answer is not None and answer.action == "done":
                ctx.post(ev.FlowFinished("e_certificate_done"))
                return False
        if ctx.is_over():
            return False
        logger.info("e_certificate: link for case %s expired on screen", case.case_id)
        ctx.post(ev.FlowUpdate(LinkExpired(case=choice)))
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return False
            if answer.action == "again":
                return True
            if answer.action == "done":
                ctx.post(ev.FlowFinished("e_certificate_done"))
                return False
