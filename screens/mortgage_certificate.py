"""The mortgagor's mortgage registrations (mortgage_certificate flow): status and statutory deadline of each, and the
registration proof to print once one is recorded."""
from __future__ import annotations

import logging

from kiosk.flows.mortgage_certificate import MortgageList
from kiosk.flows.mortgage_records import Mortgage
from kiosk.flows.steps import Printing
from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel

logger = logging.getLogger(__name__)


def _status(status: str, language: str) -> str:
    key = f"status.{status}"
    return i18n.text(key, language) if key in i18n.CATALOG else status


class MortgageCertificateScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        step = view.flow
        self.ids.message.text = self.app.message((step.message if step else None) or view.message)
        key = (step, self.app.language)
        if key == self._shown:
            return
        self._shown = key
        box = self.ids.mortgages
        box.clear_widgets()
        printing = isinstance(step, Printing)
        self.ids.prompt.text = self.t("mcert.printing") if printing else self.t("mcert.prompt")
        self.ids.back_button.disabled = printing
        self.ids.back_button.opacity = 0 if printing else 1
        if not isinstance(step, MortgageList):
            return
        mortgages = step.mortgages
        if not mortgages:
            box.add_widget(self._label(self.t("mcert.none")))
        for mortgage in mortgages:
            box.add_widget(self._label(self._describe(mortgage)))
            if mortgage.certificate_ready:
                box.add_widget(KioskButton(text=self.t("mcert.print"), intent="flow",
                                           intent_arg=f"print:{mortgage.case_id}"))

    def _describe(self, mortgage: Mortgage) -> str:
        language = self.app.language
        lines = [f"{mortgage.case_id}  {_status(mortgage.status, language)}", mortgage.property_address_masked,
                 self.t("mcert.received", date=mortgage.received_on)]
        if mortgage.deadline:
            deadline = self.t("mcert.deadline", date=mortgage.deadline)
            days = mortgage.working_days_left
            if days is not None and days > 0:
                deadline += "  " + i18n.text("cases.days_left", language, days=days)
            lines.append(deadline)
        return "\n".join(line for line in lines if line)

    def _label(self, text: str) -> KioskLabel:
        label = KioskLabel(text=text)
        label.font_size = self.app.fs_body
        return label

    def deactivate(self) -> None:
        self._shown = None
        self.ids.mortgages.clear_widgets()
