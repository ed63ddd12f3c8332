"""Service flows: one module per service; each is a callable the runtime runs off the UI thread with a FlowContext."""
from __future__ import annotations

import logging

from kiosk.flows.case_status import CaseStatusFlow

logger = logging.getLogger(__name__)


def default_flows(platform) -> dict:
    """The flows this build can run, by service name; the menu offers only these."""
    return {"case_status": CaseStatusFlow(platform)}
