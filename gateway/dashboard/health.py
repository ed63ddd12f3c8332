"""A kiosk's health from its last heartbeat: the colour on the dashboard and the alert conditions it raises."""
from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 30.0
SILENT_INTERVALS = 3
FAILED_STATES = frozenset({"offline", "hardware_error", "jammed", "media_out"})
LOW_STATES = frozenset({"media_low"})
PRINTERS = frozenset({"receipt_printer", "document_printer", "certificate_printer"})
PAPER_LOW_PCT = 15
BLANKS_LOW = 20
DOOR_OPEN_ALERT_S = 120.0
OUTBOX_BACKLOG = 100

COLOUR_ORDER = {"red": 0, "amber": 1, "grey": 2, "green": 3}


@dataclass(frozen=True)
class Condition:
    """An alert condition: (kind, subject) identifies it; detail is a short plain-English explanation."""

    kind: str
    subject: str
    detail: str
    severity: str  # "red" or "amber"


@dataclass
class KioskHealth:
    kiosk_id: str
    colour: str
    devices: dict[str, dict] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)


def device_state(value) -> dict:
    """A heartbeat's device entry is a status string or {"status", "reason", ...}."""
    if isinstance(value, dict):
        return {"status": str(value.get("status", "unknown")), "reason": str(value.get("reason", "") or "")}
    return {"status": str(value), "reason": ""}


def interval_s(extra: dict | None) -> float:
    value = (extra or {}).get("heartbeat_interval_s")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 3600:  # NaN fails too
        return float(value)
    return DEFAULT_INTERVAL_S


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def assess(kiosk_id: str, last_heartbeat_at: dt.datetime | None, devices: dict | None, stock: dict | None,
           outbox_depth: int | None, extra: dict | None, now: dt.datetime) -> KioskHealth:
    """Pure: everything the dashboard shows about one kiosk's health, from the stored heartbeat columns."""
    reported = assess_report(kiosk_id, last_heartbeat_at, devices, stock, outbox_depth, extra)
    return with_silence(reported, last_heartbeat_at, interval_s(extra if isinstance(extra, dict) else {}), now)


def with_silence(reported: KioskHealth, last_heartbeat_at: dt.datetime | None, every: float,
                 now: dt.datetime) -> KioskHealth:
    """The kiosk's health at `now`: what its last heartbeat reported, and red with a "silent" condition first once
    SILENT_INTERVALS of its heartbeat interval (`every`, from interval_s) have passed without another. The only part
    of the health that changes with time, so the rest can be kept from one read to the next (FleetSnapshot)."""
    if last_heartbeat_at is None:
        return reported
    silent_s = (now - last_heartbeat_at).total_seconds()
    if silent_s <= SILENT_INTERVALS * every:
        return reported
    silent = Condition("silent", "", f"no heartbeat for {int(silent_s)} s "
                                     f"({SILENT_INTERVALS} intervals of {int(every)} s)", "red")
    return KioskHealth(reported.kiosk_id, "red", reported.devices, [silent, *reported.conditions])


def assess_report(kiosk_id: str, last_heartbeat_at: dt.datetime | None, devices: dict | None, stock: dict | None,
                  outbox_depth: int | None, extra: dict | None) -> KioskHealth:
    """Pure: the health a kiosk's last heartbeat reports, whatever time it is now (silence: with_silence)."""
    devices = devices if isinstance(devices, dict) else {}
    stock = stock if isinstance(stock, dict) else {}
    extra = extra if isinstance(extra, dict) else {}
    states = {str(name): device_state(value) for name, value in sorted(devices.items())}
    if last_heartbeat_at is None:
        return KioskHealth(kiosk_id, "grey", states, [])
    conditions: list[Condition] = []
    for name, state in states.items():
        status = state["status"]
        if name in PRINTERS and status in ("media_low", "media_out"):
            word = "out of paper" if status == "media_out" else "paper low"
            conditions.append(Condition("paper_low", name, f"{name}: {word}", "red" if status == "media_out"
                                        else "amber"))
        elif status in FAILED_STATES:
            reason = f" ({state['reason']})" if state["reason"] else ""
            conditions.append(Condition("device_failed", name, f"{name}: {status}{reason}", "red"))
    stock = stock or {}
    paper_pct = _number(stock.get("receipt_paper_pct"))
    if paper_pct is not None and paper_pct <= PAPER_LOW_PCT and not any(
            c.kind == "paper_low" and c.subject == "receipt_printer" for c in conditions):
        conditions.append(Condition("paper_low", "receipt_printer", f"receipt paper at {int(paper_pct)} %", "amber"))
    blanks = _number(stock.get("blank_certificates"))
    if blanks is not None and blanks <= BLANKS_LOW:
        conditions.append(Condition("paper_low", "blank_certificates", f"{int(blanks)} blank certificates left",
                                    "red" if blanks <= 0 else "amber"))
    doors = (extra or {}).get("doors_open")
    for door in doors if isinstance(doors, list) else []:
        if not isinstance(door, dict):
            continue
        open_s = _number(door.get("open_s"))
        compartment = str(door.get("compartment", "?"))[:16]
        if open_s is not None and open_s >= DOOR_OPEN_ALERT_S:
            conditions.append(Condition("door_open", compartment,
                                        f"locker door {compartment} open for {int(open_s)} s", "red"))
    if (outbox_depth or 0) >= OUTBOX_BACKLOG:
        conditions.append(Condition("outbox_backlog", "", f"{outbox_depth} events waiting to be delivered", "amber"))
    if any(c.severity == "red" for c in conditions):
        colour = "red"
    elif conditions or any(s["status"] in LOW_STATES for s in states.values()) or (extra or {}).get(
            "out_of_service"):
        colour = "amber"
    else:
        colour = "green"
    return KioskHealth(kiosk_id, colour, states, conditions)
