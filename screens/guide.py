"""The service guide screen (kiosk.guide): the businesses, then one business's materials, fees and time limit."""
from __future__ import annotations

import logging

from kiosk.guide import entry, load
from kiosk.guide import events as gev
from screens.base import BaseScreen, KioskButton
from screens.page_parts import page_label

logger = logging.getLogger(__name__)

GUIDE_INTENTS = {"guide": lambda _: gev.GuideRequested(),
                 "guide_business": lambda business: gev.GuideBusinessChosen(business or ""),
                 "guide_print": lambda _: gev.GuidePrintRequested()}


class GuideScreen(BaseScreen):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._built = None

    def activate(self, view) -> None:
        self._built = None
        self.ids.scroll.scroll_y = 1

    def render(self, view) -> None:
        key = (view.guide_page, view.guide_business, view.guide_message, self.app.language)
        if key == self._built:
            return
        self._built = key
        body = self.ids.body
        body.clear_widgets()
        language = self.app.language
        self.ids.title.text = self.t("guide.title")

        def label(text, size=None, bold=False, color=None, halign="left"):
            body.add_widget(page_label(text, size=size or self.app.fs_body, bold=bold, color=color, halign=halign))

        if view.guide_page == "list" or view.guide_business is None:
            label(self.t("guide.choose"), size=self.app.fs_title, halign="center")
            for business in load():
                body.add_widget(KioskButton(text=entry(business, language)["name"], intent="guide_business",
                                            intent_arg=business))
        else:
            guide = entry(view.guide_business, language)
            label(guide["name"], size=self.app.fs_title, bold=True, color=self.app.color_primary)
            label(self.t("guide.materials"), bold=True)
            for index, item in enumerate(guide["materials"], 1):
                label(f"{index}. {item}")
            label(self.t("guide.fees"), bold=True)
            label(guide["fees"])
            label(self.t("guide.time_limit"), bold=True)
            label(guide["time_limit"])
        self.ids.message.text = self.t(view.guide_message) if view.guide_message else ""
        detail = view.guide_page in ("detail", "printing")
        printing = view.guide_page == "printing"
        button = self.ids.print_button
        button.opacity = 1 if detail else 0
        button.disabled = not detail or printing
        button.text = self.t("guide.printing" if printing else "guide.print") if detail else ""
