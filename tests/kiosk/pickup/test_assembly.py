"""The locker built from a site profile runs against a simulator: config values reach the parts that use them."""
from config.loader import load_profile
from kiosk.pickup.assembly import assemble
from peripherals.locker import KerongSimulator

from tests.kiosk.pickup.conftest import LOCKER, deposited


class Platform:
    def __init__(self, issuer):
        self.issuer = issuer

    def pickup_keys(self):
        return [self.issuer.public_entry]

    def deposit(self, case_id, compartment, key):  # pragma: no cover - not reached here
        raise ConnectionError("offline")


def test_locker_profile_assembles_over_a_simulator(tmp_path, issuer, sealer):
    with KerongSimulator((0, 1)) as sim:
        config = load_profile("locker", env={
            "KIOSK__DEVICES__LOCKER__PORT": sim.path,
            "KIOSK__DEVICES__LOCKER__CODE_MAX_FAILURES": "3",
            "KIOSK__GATEWAY__KIOSK_ID": LOCKER,
        })
        parts = assemble(config, platform=Platform(issuer), sealer=sealer, record_pickup=lambda *a: None,
                         data_dir=tmp_path)
        try:
            assert len(parts.bank.compartments) == 32 and parts.bank.compartment("1-16").board == 1
            assert parts.verifier.guard.max_failures == 3
            assert parts.verifier.verify_qr(deposited(parts.ledger, issuer, cp="0-03")).ok
            assert (tmp_path / "pickup-keys.json").exists() and (tmp_path / "pickup.db").exists()
            assert parts.bank.open("1-16").opened and sim.unlocked == [(1, 16)]
        finally:
            parts.close()
