"""Offline pickup-code checks: a scanned QR code and typed digits, against the bare Ed25519 verification they include.

Run: .venv/bin/python bench/bench_pickup.py [--codes 2000] [--deposits 60]
A QR check (parse, signature, expiry, used/revoked/held lookups in the locker's SQLite ledger) is printed as a ratio to
one Ed25519 signature verification of the same payload, measured in the same run; typed digits (which look the
deposit up among the locker's active deposits, unsealing each stored code) to the same floor.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.pickup.keys import PickupKeyRing  # noqa: E402
from kiosk.pickup.ledger import PickupLedger  # noqa: E402
from kiosk.pickup.verifier import AttemptGuard, PickupVerifier  # noqa: E402
from offline_cache.sealing import Sealer  # noqa: E402
from tests.kiosk.pickup.conftest import Issuer  # noqa: E402  (issues codes exactly as the contract says)

LOCKER = "demo-locker-01"


def per_call(fn, n: int) -> float:
    """Median seconds per call over 5 batches."""
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(max(1, n // 5)):
            fn()
        batches.append((time.perf_counter() - start) / max(1, n // 5))
    return statistics.median(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--deposits", type=int, default=60, help="active deposits the digits are looked up among")
    args = parser.parse_args()
    issuer = Issuer()
    with tempfile.TemporaryDirectory() as folder:
        ledger = PickupLedger(Path(folder) / "pickup.db", Sealer(os.urandom(32)))
        keys = PickupKeyRing(lambda: [issuer.public_entry], Path(folder) / "keys.json")
        verifier = PickupVerifier(keys, ledger, LOCKER, guard=AttemptGuard(10 ** 9, 1))
        now = time.time()
        for i in range(args.deposits):
            cid = f"c-{i:04d}"
            ledger.add_deposit(cid, f"A{i:03d}", issuer.digits_sha256(cid, f"{i:08d}"), now + 3600,
                               issuer.code(cid=cid, cp=f"A{i:03d}", exp=now + 3600))
        qr = issuer.code(cid="c-0000", cp="A000", exp=now + 3600)
        payload = issuer.payload(cid="c-0000", cp="A000", exp=now + 3600)
        signature = issuer.private.sign(payload)
        public = issuer.private.public_key()
        assert verifier.verify_qr(qr).ok and verifier.verify_digits(f"{args.deposits - 1:08d}").ok

        floor = per_call(lambda: public.verify(signature, payload), args.codes)
        qr_s = per_call(lambda: verifier.verify_qr(qr), args.codes)
        last = f"{args.deposits - 1:08d}"  # the worst case: the last active deposit
        digits_s = per_call(lambda: verifier.verify_digits(last), max(50, args.codes // 20))
        ledger.close()
    print(f"Ed25519 verify (floor)   {floor * 1e6:8.1f} us")
    print(f"QR code check            {qr_s * 1e6:8.1f} us   {qr_s / floor:6.1f} x floor")
    print(f"typed digits, {args.deposits:3d} deposits {digits_s * 1e6:8.1f} us   {digits_s / floor:6.1f} x floor")


if __name__ == "__main__":
    main()
