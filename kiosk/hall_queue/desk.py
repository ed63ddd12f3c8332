"""Runs IssueQueueTicket: the gateway's ticket (a business, or an appointment checked in), printed on the receipt
printer with its window area; the session hears back whether it printed (the number is on screen either way)."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable

from kiosk.hall_queue import events as qev
from kiosk.hall_queue.session_part import IssueQueueTicket

logger = logging.getLogger(__name__)


class QueueDesk:
    def __init__(self, platform, receipt_printer, office: str, kiosk_id: str):
        self.platform = platform
        self.printer = receipt_printer
        self.office = office
        self.kiosk_id = kiosk_id

    def issue(self, command: IssueQueueTicket, post: Callable, cancelled: threading.Event) -> None:
        if self.platform is None:
            post(qev.QueueTicketFailed("queue_unavailable"))
            return
        try:
            if command.appointment_code is not None:
                ticket = self.platform.check_in_appointment(command.appointment_code)
            else:
                ticket = self.platform.take_queue_ticket(command.business)
        except Exception as exc:
            code = getattr(exc, "code", None) or getattr(exc, "message_key", None) or "queue_unavailable"
            logger.warning("queue ticket refused: %s", code)
            post(qev.QueueTicketFailed(code if code in ("appointment_unknown", "appointment_other_hall",
                                                        "not_an_appointment") else "queue_unavailable"))
            return
        post(qev.QueueTicketIssued(ticket, self._print(ticket)))
        logger.info("queue ticket %s issued", ticket.get("number"))

    def _print(self, ticket: dict) -> bool:
        if self.printer is None:
            return False
        from kiosk.documents.help_slips import hall_queue_ticket
        from peripherals.status import CompletionCode

        elements = hall_queue_ticket(office=self.office, number=ticket["number"], business=ticket["business_zh"],
                                     waiting=int(ticket["waiting_ahead"]), window_area=ticket["window_area_zh"],
                                     issued_at=dt.datetime.now(), kiosk_id=self.kiosk_id,
                                     appointment=bool(ticket.get("appointment")))
        return self.printer.print_elements(elements) == CompletionCode.SUCCESS
