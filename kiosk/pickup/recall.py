"""Locker recall from maintenance mode: the gateway's list of deposits left past the site's limit (their holders were
reminded by SMS), and staff taking one back: the door opens, the certificate comes out, the code is revoked here and
on the gateway, the compartment is free again."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.platform_client import new_idempotency_key, path_part

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecallDue:
    deposit_id: str
    code_id: str | None
    compartment: str
    case_id: str


def recall_list(platform, after_days: int) -> list[RecallDue]:
    """Asks the gateway (which sends any reminder now due) for the deposits staff should take back."""
    answer = platform.request("GET", f"/v1/lockers/recalls?after_days={int(after_days)}", retry=True)
    return [RecallDue(r["deposit_id"], r.get("code_id"), r["compartment"], r["case_id"]) for r in answer["recalls"]]


def recall(parts, platform, due: RecallDue, staff_id: str) -> tuple[bool, str]:
    """Opens the compartment for staff and waits for it to shut empty; (done, message key)."""
    service = parts.service
    with service._busy:  # one door at a time, as for a pickup or a deposit
        result = parts.bank.open(due.compartment)
        if not result.opened:
            return False, "maint.recall.door_not_opened"
        state = service._wait_closed(due.compartment)
        if state is None:
            return False, "maint.recall.door_left_open"
        if state.item_present:
            return False, "maint.recall.still_inside"
        if due.code_id:
            parts.ledger.withdraw(due.code_id, "recalled")
    platform.request("POST", f"/v1/lockers/recalls/{path_part(due.deposit_id)}", json={"staff_id": staff_id},
                     idempotency_key=new_idempotency_key(), retry=True)
    logger.info("locker recall: compartment %s emptied by staff, code revoked", due.compartment)
    return True, "maint.recall.done"
