"""Loads a demo locker before the kiosk starts: staff deposits through the kiosk's own parts, a simulated hand.

The demo and the UI tests need certificates in the compartments. This builds the headless kiosk core from the site
config (kiosk.app.build_kiosk, not started), runs kiosk.locker.service.deposit for each case as staff would, with a
thread that puts the certificate in and shuts the door on the lock board simulator, and closes everything again.
"""
from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)


def _staff_hand(simulator, stop: threading.Event) -> threading.Thread:
    """Whenever a door of the simulated board stands open with nothing inside: put a certificate in, shut it."""
    def run():
        while not stop.is_set():
            for (board, lock), state in list(simulator.locks.items()):
                if not simulator.door_closed(board, lock) and not simulator.item_present(board, lock):
                    time.sleep(0.1)
                    simulator.add_item(board, lock)
                    simulator.close_door(board, lock)
            stop.wait(0.05)
    thread = threading.Thread(target=run, name="demo-staff-hand", daemon=True)
    thread.start()
    return thread


def load_certificates(config, case_ids, simulator, size: str = "medium") -> dict[str, dict]:
    """case id -> {"compartment", "code_id", "qr", "digits"} for each certificate deposited (digits: demo gateways
    only). Raises RuntimeError naming the case when a deposit fails."""
    from kiosk.app import build_kiosk

    kiosk = build_kiosk(config)
    stop = threading.Event()
    hand = _staff_hand(simulator, stop)
    loaded = {}
    try:
        if kiosk.locker is None:
            raise RuntimeError("this site has no locker enabled")
        for case_id in case_ids:
            outcome = kiosk.locker.service.deposit(case_id, size)
            if not outcome.ok:
                raise RuntimeError(f"deposit of case {case_id} failed: {outcome.reason}")
            deposit = kiosk.locker.ledger.deposit(outcome.code_id)
            loaded[case_id] = {"compartment": outcome.compartment, "code_id": outcome.code_id, "qr": deposit.qr,
                               "digits": outcome.digits}
            logger.info("demo locker: case %s in compartment %s", case_id, outcome.compartment)
    finally:
        stop.set()
        hand.join(5)
        kiosk.stop()
    return loaded
