"""Runs CheckStaffAssist: sends the staff member's credential, PIN and reason with the applicant's card number to the
gateway and answers the session (accepted with the token, or refused with the gateway's code)."""
from __future__ import annotations

import logging
import re
import threading
from typing import Callable

from kiosk.staff_assist import events as aev
from kiosk.staff_assist.session_part import CheckStaffAssist

logger = logging.getLogger(__name__)

_LEFT = re.compile(r"(\d+) attempts? left")


class StaffAssistChecker:
    def __init__(self, platform):
        self.platform = platform

    def check(self, command: CheckStaffAssist, post: Callable, cancelled: threading.Event) -> None:
        if self.platform is None:
            post(aev.StaffAssistRefused("platform_unavailable"))
            return
        try:
            answer = self.platform.staff_assisted_verification(
                command.credential_kind, command.credential, command.pin, command.card.id_number, command.reason,
                command.text or None)
        except Exception as exc:
            code = getattr(exc, "code", None) or getattr(exc, "message_key", None) or "platform_unavailable"
            left = _LEFT.search(str(exc))  # the gateway's message says how many PIN tries are left
            logger.warning("staff-assisted check refused: %s", code)
            post(aev.StaffAssistRefused(code, int(left.group(1)) if left else None))
            return
        logger.info("staff-assisted check accepted by the gateway (staff %s)", answer.get("staff_id"))
        post(aev.StaffAssistAccepted(answer["token"], str(answer.get("staff_id", "")),
                                     tuple(answer.get("services", ()))))
