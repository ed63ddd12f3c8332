"""Runs RaiseHelpRequest: posts the kiosk's call for staff to the gateway and answers the session."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from kiosk.staff_help import events as hev
from kiosk.staff_help.session_part import RaiseHelpRequest

logger = logging.getLogger(__name__)


class HelpRequester:
    """platform: kiosk.platform_client.PlatformClient or None; location: where the kiosk stands in the hall."""

    def __init__(self, platform, location: str = ""):
        self.platform = platform
        self.location = location

    def raise_request(self, command: RaiseHelpRequest, post: Callable, cancelled: threading.Event) -> None:
        if self.platform is None:
            post(hev.HelpRequestFailed("help_unavailable"))
            return
        try:
            answer = self.platform.request_help(command.step, self.location)
        except Exception as exc:
            key = getattr(exc, "message_key", None) or "help_unavailable"
            logger.warning("call staff failed: %s", key if key else type(exc).__name__)
            post(hev.HelpRequestFailed("help_unavailable"))
            return
        logger.info("call staff raised: request %s", answer.get("number"))
        post(hev.HelpRequestRaised(int(answer["request_id"]), str(answer["number"])))
