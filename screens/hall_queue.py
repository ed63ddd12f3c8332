"""The queue-ticket screen (kiosk.hall_queue): choose a business or scan the appointment QR code; the ticket."""
from __future__ import annotations

import logging

from kiosk.hall_queue import BUSINESSES
from kiosk.hall_queue import events as qev
from screens.base import BaseScreen, KioskButton
from screens.page_parts import page_label

logger = logging.getLogger(__name__)

QUEUE_INTENTS = {"queue": lambda _: qev.QueueRequested(),
                 "queue_business": lambda business: qev.QueueBusinessChosen(business or "")}


class QueueScreen(BaseScreen):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._built = None

    def activate(self, view) -> None:
        self._built = None

    def render(self, view) -> None:
        key = (view.queue_page, self.app.language, view.queue_message, str(view.queue_ticket), view.queue_printed)
        if key == self._built:
            return
        self._built = key
        body = self.ids.body
        body.clear_widgets()
        page = view.queue_page or "choose"
        self.ids.title.text = self.t("queue.title")
        en = self.app.language == "en"

        def label(text, size=None, bold=False, color=None):
            body.add_widget(page_label(text, size=size, bold=bold, color=color))

        if page == "choose":
            label(self.t("queue.choose"))
            for business in BUSINESSES:
                body.add_widget(KioskButton(text=self.t(f"queue.business.{business}"), intent="queue_business",
                                            intent_arg=business))
            label(self.t("queue.appointment"), size=self.app.fs_body, color=self.app.color_muted)
        elif page == "issuing":
            label(self.t("queue.issuing"))
        else:
            ticket = view.queue_ticket or {}
            label(self.t("queue.your_number"), size=self.app.fs_body)
            label(ticket.get("number", ""), size=self.app.fs_huge * 1.5, bold=True, color=self.app.color_primary)
            label(ticket.get("business_en" if en else "business_zh", ""), bold=True)
            label(self.t("queue.waiting", count=ticket.get("waiting_ahead", 0)))
            label(self.t("queue.window", area=ticket.get("window_area_en" if en else "window_area_zh", "")))
            label(self.t("queue.printed" if view.queue_printed else "queue.not_printed"), size=self.app.fs_body,
                  color=self.app.color_ok if view.queue_printed else self.app.color_warn)
        self.ids.message.text = self.app.message(view.queue_message) if view.queue_message else ""
