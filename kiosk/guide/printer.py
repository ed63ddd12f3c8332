"""Runs PrintGuideSlip: the business's guide as a slip on the receipt printer, in the applicant's language."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from catalog.i18n import text
from kiosk.guide import entry
from kiosk.guide import events as gev
from kiosk.guide.session_part import PrintGuideSlip

logger = logging.getLogger(__name__)


class GuideSlipPrinter:
    def __init__(self, receipt_printer, office: str):
        self.printer = receipt_printer
        self.office = office

    def print_slip(self, command: PrintGuideSlip, post: Callable, cancelled: threading.Event) -> None:
        if self.printer is None:
            post(gev.GuidePrinted(False))
            return
        from kiosk.documents.help_slips import guide_slip
        from peripherals.status import CompletionCode

        language = command.language
        guide = entry(command.business, language)
        elements = guide_slip(office=self.office, title=text("guide.title", language), business=guide["name"],
                              materials_label=text("guide.materials", language), materials=guide["materials"],
                              fees_label=text("guide.fees", language), fees=guide["fees"],
                              limit_label=text("guide.time_limit", language), time_limit=guide["time_limit"],
                              note=text("guide.note", language))
        ok = self.printer.print_elements(elements) == CompletionCode.SUCCESS
        logger.info("guide slip for %s %s", command.business, "printed" if ok else "not printed")
        post(gev.GuidePrinted(ok))
