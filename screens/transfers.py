"""The transfers screen (transfers flow): choose the home, tick water, electricity, gas, household registration,
and send the request. It shows what the flow reports and sends the applicant's answers."""
from __future__ import annotations

import logging

from kiosk.flows.steps import ChooseCase
from kiosk.flows.transfers import ChooseUtilities, NothingToTransfer
from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel

logger = logging.getLogger(__name__)


class TransfersScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        step = view.flow
        self.ids.message.text = self.app.message(view.message)
        selected = step.selected if isinstance(step, ChooseUtilities) else ()
        key = (type(step), step.case if isinstance(step, ChooseUtilities) else step, self.app.language)
        if key == self._shown:
            self._show_selection(selected)  # in place: the buttons stay where the finger expects them
            return
        self._shown = key
        box = self.ids.choices
        box.clear_widgets()
        confirm = self.ids.confirm_button
        show_confirm = isinstance(step, ChooseUtilities)
        confirm.opacity, confirm.size_hint_x = (1, 1) if show_confirm else (0, None)
        confirm.width = confirm.width if show_confirm else 0
        confirm.disabled = not show_confirm
        self.ids.footer.spacing = self.app.pad if show_confirm else 0
        if isinstance(step, ChooseCase):
            self.ids.prompt.text = self.t("transfers.choose_case")
            for case in step.cases:
                box.add_widget(KioskButton(text=f"{self._title(case.title, case.kind)}\n"
                                                f"{case.case_id}", intent="flow",
                                           intent_arg=f"choose:{case.case_id}",
                                           height=self.app.button_height * 1.3))
        elif isinstance(step, NothingToTransfer):
            self.ids.prompt.text = self.t("transfers.nothing")
        elif isinstance(step, ChooseUtilities):
            self.ids.prompt.text = (f"{self._title(step.case.title, step.case.kind)}  "
                                    f"{step.case.case_id}\n{self.t('transfers.prompt')}")
            # The utilities and the household registration are different things, done by different offices.
            groups = (("transfers.group.utilities", [u for u in step.utilities if u != "household"]),
                      ("transfers.group.household", [u for u in step.utilities if u == "household"]))
            for heading, items in groups:
                if not items:
                    continue
                box.add_widget(KioskLabel(text=self.t(heading), bold=True, color=self.app.color_muted,
                                          font_size=self.app.fs_small))
                for utility in items:
                    box.add_widget(KioskButton(intent="flow", intent_arg=f"toggle:{utility}"))
            self._show_selection(selected)
        else:
            self.ids.prompt.text = ""

    def _show_selection(self, selected: tuple) -> None:
        confirm = self.ids.confirm_button
        confirm.available = bool(selected)
        for button in self.ids.choices.children:
            if not getattr(button, "intent_arg", "").startswith("toggle:"):
                continue
            utility = button.intent_arg.split(":", 1)[1]
            name = self.t(f"utility.{utility}")
            chosen = utility in selected
            button.text = self.t("transfers.chosen", item=name) if chosen else name
            button.background = self.app.color_primary if chosen else self.app.color_secondary
            button.color = self.app.color_on_primary if chosen else self.app.color_on_secondary

    def _title(self, title, kind) -> str:
        key = f"kind.{kind}"
        if (self.app.language == "en" or not title) and key in i18n.CATALOG:
            return self.t(key)
        return title or ""

    def deactivate(self) -> None:
        self._shown = None
        self.ids.choices.clear_widgets()
