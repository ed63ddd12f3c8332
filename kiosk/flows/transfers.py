"""The transfers flow: after a sale is registered, the buyer asks for water, electricity, gas and household
registration to be moved to them; choose, confirm, and the request goes to the gateway through the outbox.

The request is a kiosk event ("transfer_request", payload: case id and the chosen utilities, nothing personal: the
gateway knows the case's owner) written durably to the outbox before the applicant is told it is submitted; the
outbox delivers it exactly once in effect, also after a lost network or a restart.
Steps shown: ChooseCase, NothingToTransfer, ChooseUtilities. FlowAnswer: choose <case_id>, toggle <utility>,
confirm.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from kiosk import events as ev
from kiosk.flows.base import WAIT_FOREVER_S, GatewayFlow
from kiosk.flows.steps import CaseChoice, ChooseCase

logger = logging.getLogger(__name__)

UTILITIES = ("water", "electricity", "gas", "household")
# A sale whose transfer of ownership is registered: the new owner can move the accounts.
ELIGIBLE_STATUSES = frozenset({"recorded", "certificate_ready", "collected"})
EVENT_KIND = "transfer_request"


@dataclass(frozen=True, kw_only=True)
class NothingToTransfer(ev.FlowStep):
    """No registered sale of this applicant: nothing to move."""


@dataclass(frozen=True, kw_only=True)
class ChooseUtilities(ev.FlowStep):
    """Tick the utilities to move (FlowAnswer toggle <utility>), then confirm."""

    case: CaseChoice
    utilities: tuple[str, ...] = UTILITIES
    selected: tuple[str, ...] = ()


class TransfersFlow(GatewayFlow):
    name = "transfers"

    def _run(self, ctx) -> None:
        outbox = self.services.outbox
        if not self._ready(ctx, outbox):
            return
        cases = [c for c in self.platform.list_cases(ctx.token)
                 if c.kind == "transfer" and c.status in ELIGIBLE_STATUSES]
        if not cases:
            ctx.post(ev.FlowUpdate(NothingToTransfer()))
            return
        if len(cases) == 1:
            case = cases[0]
        else:
            ctx.post(ev.FlowUpdate(ChooseCase(cases=tuple(CaseChoice(c.case_id, c.title, c.kind) for c in cases))))
            ids = {c.case_id: c for c in cases}
            while True:
                answer = ctx.wait_input(WAIT_FOREVER_S)
                if answer is None:
                    return
                if answer.action == "choose" and answer.value in ids:
                    case = ids[answer.value]
                    break
        selected: list[str] = []
        step = ChooseUtilities(case=CaseChoice(case.case_id, case.title, case.kind))
        ctx.post(ev.FlowUpdate(step))
        while True:
            answer = ctx.wait_input(WAIT_FOREVER_S)
            if answer is None:
                return
            if answer.action == "toggle" and answer.value in UTILITIES:
                if answer.value in selected:
                    selected.remove(answer.value)
                else:
                    selected.append(answer.value)
                selected.sort(key=UTILITIES.index)
                step = replace(step, selected=tuple(selected))
                ctx.post(ev.FlowUpdate(step))
            elif answer.action == "confirm" and selected:
                break
        outbox.enqueue(EVENT_KIND, {"case_id": case.case_id, "utilities": selected})  # durable before "sent"
        logger.info("transfers: request for case %s queued (%s)", case.case_id, ", ".join(selected))
        ctx.post(ev.FlowFinished("transfers_submitted"))
