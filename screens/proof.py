"""The proof screen (proof flow): choose the proof of the property record or of owning no property; it prints."""
from __future__ import annotations

import logging

from kiosk.flows.proof import ChooseKind, PrintingProof
from screens.base import BaseScreen, KioskButton

logger = logging.getLogger(__name__)


class ProofScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        step = view.flow
        self.ids.message.text = self.app.message((step.message if step else None) or view.message)
        key = (step, self.app.language)
        if key == self._shown:
            return
        self._shown = key
        box = self.ids.kinds
        box.clear_widgets()
        printing = isinstance(step, PrintingProof)
        self.ids.prompt.text = self.t("proof.printing") if printing else self.t("proof.prompt")
        self.ids.back_button.disabled = printing
        self.ids.back_button.opacity = 0 if printing else 1
        if isinstance(step, ChooseKind):
            for kind in step.kinds:
                box.add_widget(KioskButton(text=self.t(f"proof.kind.{kind}"), intent="flow",
                                           intent_arg=f"choose:{kind}", height=self.app.button_height * 1.3))

    def deactivate(self) -> None:
        self._shown = None
        self.ids.kinds.clear_widgets()
