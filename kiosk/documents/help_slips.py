"""Paper for the help desk's services (issue 21): the queue ticket with its window area and the service guide slip,
in the receipt line markup of kiosk.documents.markup (the receipts' Jinja2 environment)."""
from __future__ import annotations

import logging

from kiosk.documents.markup import parse
from kiosk.documents.receipts import environment
from peripherals.printer.layout import Element

logger = logging.getLogger(__name__)


def hall_queue_ticket(*, office: str, number: str, business: str, waiting: int, window_area: str, issued_at,
                      kiosk_id: str, appointment: bool = False) -> list[Element]:
    return parse(environment().get_template("hall_queue_ticket.txt").render(
        office=office, number=number, business=business, waiting=waiting, window_area=window_area,
        issued_at=issued_at, kiosk_id=kiosk_id, appointment=appointment))


def guide_slip(*, office: str, title: str, business: str, materials_label: str, materials: list[str],
               fees_label: str, fees: str, limit_label: str, time_limit: str, note: str) -> list[Element]:
    return parse(environment().get_template("guide_slip.txt").render(
        office=office, title=title, business=business, materials_label=materials_label, materials=materials,
        fees_label=fees_label, fees=fees, limit_label=limit_label, time_limit=time_limit, note=note))
