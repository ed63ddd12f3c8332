"""The case_status flow: shows the applicant's cases, fetched fresh when the applicant opens the list.

The list stays on screen until the applicant goes back to the menu or says they are done (the screen sends
BackRequested or FlowFinished); the flow itself returns at once so it never holds a worker thread.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import events as ev

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class CaseList(ev.FlowStep):
    """The applicant's cases (SessionView.cases) are on screen."""


class CaseStatusFlow:
    def __init__(self, platform):
        self.platform = platform

    def __call__(self, ctx) -> None:
        ctx.post(ev.FlowUpdate(CaseList()))
        if self.platform is None or ctx.token is None or ctx.cancelled.is_set():
            return
        # The cases loaded at sign-in may be minutes old or may have failed to load: ask again. A platform error
        # propagates; the runtime turns it into PlatformFailed and its message key is shown on the list.
        cases = tuple(self.platform.list_cases(ctx.token))
        logger.info("case_status: %d case(s) loaded", len(cases))
        ctx.post(ev.CasesLoaded(cases))
