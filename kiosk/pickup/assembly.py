"""Builds the locker's parts from a site configuration: controller, compartments, ledger, key ring, verifier, flows."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.pickup.keys import PickupKeyRing
from kiosk.pickup.ledger import PickupLedger
from kiosk.pickup.service import Alarm, LockerService, RecordPickup
from kiosk.pickup.verifier import AttemptGuard, PickupAttempt, PickupVerifier
from peripherals.locker import LockController, LockerBank, controller_from_config

logger = logging.getLogger(__name__)


@dataclass
class LockerParts:
    controller: LockController
    bank: LockerBank
    ledger: PickupLedger
    keys: PickupKeyRing
    verifier: PickupVerifier
    service: LockerService
    handover: object | None = None  # kiosk.pickup.handover.Handover when the kiosk runs it (start/stop/doors)
    platform: object | None = None  # the PlatformClient (locker recall, kiosk.pickup.recall)
    recall_after_days: int = 5  # the site's limit before a deposit is reminded and then recalled

    def start(self) -> None:
        """Settle the journal from the sensors (before the first applicant), then watch the doors."""
        if self.handover is not None:
            self.handover.start()

    def stop(self) -> None:
        if self.handover is not None:
            self.handover.stop()
        self.close()

    def doors_open(self) -> list[dict]:
        """[{"compartment", "open_s"}] for the fleet heartbeat."""
        return self.handover.doors_open() if self.handover is not None else []

    def close(self) -> None:
        self.ledger.close()
        self.controller.close()


def assemble(config, *, platform, sealer, record_pickup: RecordPickup,
             audit: Callable[[PickupAttempt], None] | None = None, alarm: Alarm | None = None,
             alarm_cleared: Alarm | None = None, data_dir: str | Path | None = None, handover=None) -> LockerParts:
    """`config` is a KioskConfig; `platform` a PlatformClient (pickup_keys, deposit) or None when not configured.
    handover: the kiosk.pickup.handover.Handover that runs these parts: its callbacks (attempts, alarms, the pickup
    slip) are the parts' unless given here."""
    if handover is not None:
        audit = audit or handover.audit
        alarm = alarm or handover.alarm
        alarm_cleared = alarm_cleared or handover.alarm_cleared
    locker = config.devices.locker
    folder = Path(data_dir or config.storage.data_dir)
    controller = controller_from_config(locker)
    try:
        bank = LockerBank.from_config(controller, locker)
        ledger = PickupLedger(folder / "pickup.db", sealer)
    except Exception:
        controller.close()
        raise
    keys = PickupKeyRing(platform.pickup_keys if platform is not None else None, folder / "pickup-keys.json")
    verifier = PickupVerifier(keys, ledger, config.gateway.kiosk_id,
                              compartments={c.label for c in bank.compartments}, audit=audit,
                              guard=AttemptGuard(locker.code_max_failures, locker.code_lockout_s))
    service = LockerService(bank, ledger, record_pickup=record_pickup, alarm=alarm, alarm_cleared=alarm_cleared,
                            deposit_api=platform.deposit if platform is not None else None, verifier=verifier,
                            print_slip=handover.print_slip if handover is not None else None,
                            door_close_timeout_s=locker.door_close_timeout_s)
    logger.info("locker assembled: %s boards %s, %d compartments", locker.protocol, locker.boards,
                len(bank.compartments))
    return LockerParts(controller, bank, ledger, keys, verifier, service, handover, platform=platform,
                       recall_after_days=locker.recall_after_days)
