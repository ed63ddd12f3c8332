"""Plain-language texts (zh_CN, en) of call staff, staff-assisted checks, the rating, queue tickets and the guide.

Kept apart from the rest of the catalog (issue 21); catalog/i18n.py takes them in with **HELP_MESSAGES.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# key: (zh_CN, en)
HELP_MESSAGES: dict[str, tuple[str, str]] = {
    "help.call": ("呼叫工作人员", "Call staff"),
    "help.sending": ("正在呼叫工作人员……", "Calling staff..."),
    "help.coming": ("工作人员马上就到", "Staff are on their way"),
    "help.number": ("呼叫号：{number}", "Request number: {number}"),
    "help.stay": ("请在这台机器旁稍等。", "Please wait by this machine."),
    "help.failed": ("暂时无法呼叫。请到咨询台找工作人员。",
                    "Staff cannot be called right now. Please go to the information desk."),
    "help.close": ("知道了", "OK"),
    "help_unavailable": ("暂时无法呼叫。请到咨询台找工作人员。",
                         "Staff cannot be called right now. Please go to the information desk."),
}
