"""Bytes and time at 115200 baud of a payment receipt: native QR (GS ( k) against python-escpos's image-QR default.

Run: .venv/bin/python bench/bench_receipt.py
The time is measured end to end through the pty simulator, which consumes bytes at the line rate (as a UART does)
and answers a status query after everything sent before it; the computed wire time (10 bits a byte) is printed too.
"""
from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.documents.receipts import sample_payment_receipt  # noqa: E402
from peripherals.printer.commands import ReceiptCommands  # noqa: E402
from peripherals.printer.connectors import MemoryConnector, SerialConnector  # noqa: E402
from peripherals.printer.simulator import ReceiptPrinterSimulator  # noqa: E402
from peripherals.simbase import wire_time  # noqa: E402

BAUD = 115200


class EscposDefaultImageQr(ReceiptCommands):
    """The baseline: the QR as python-escpos sends it by default, qr(content) with native=False (module 3 dots)."""

    def qr_code(self, data, size=6, native=None):
        with contextlib.redirect_stdout(io.StringIO()):  # escpos prints a profile warning to stdout
            self.qr(data)


class EscposImageQrSameSize(ReceiptCommands):
    """python-escpos's image QR at the receipt's module size (6 dots), so both print the same size of code."""

    def qr_code(self, data, size=6, native=None):
        with contextlib.redirect_stdout(io.StringIO()):
            self.qr(data, size=size)


def qr_only(commands_class, **kwargs) -> int:
    memory = MemoryConnector()
    commands_class(memory, **kwargs).qr_code("https://gateway.example/e-invoice/PO-20261123-0001", 6)
    return len(memory.buffer)


def job(commands_class, **kwargs) -> bytes:
    memory = MemoryConnector()
    commands = commands_class(memory, **kwargs)
    commands.initialize()
    commands.print_elements(sample_payment_receipt())
    return bytes(memory.buffer)


def measure(data: bytes) -> float:
    """Seconds from the first byte sent to the status reply that follows the receipt."""
    with ReceiptPrinterSimulator(baud=BAUD) as sim:
        connector = SerialConnector(sim.path, baud=BAUD, timeout_s=30)
        commands = ReceiptCommands(connector)
        connector.open()
        start = time.perf_counter()
        connector.write(data)
        commands.query_status_byte(1)
        elapsed = time.perf_counter() - start
        connector.close()
        assert sim.wait_for_receipts(1) and sim.receipts[0] == data
    return elapsed


def main() -> int:
    cases = [
        ("native QR (GS ( k)", job(ReceiptCommands, native_qr=True)),
        ("image QR, python-escpos default (module 3)", job(EscposDefaultImageQr)),
        ("image QR, python-escpos at module 6", job(EscposImageQrSameSize)),
        ("image QR, kiosk fallback (4-module quiet zone)", job(ReceiptCommands, native_qr=False)),
    ]
    print(f"payment receipt at {BAUD} baud (8N1)")
    print(f"{'variant':48} {'bytes':>7} {'wire ms':>8} {'measured ms':>12}")
    results = []
    for name, data in cases:
        seconds = measure(data)
        results.append((len(data), seconds))
        print(f"{name:48} {len(data):7d} {wire_time(len(data), BAUD) * 1000:8.1f} {seconds * 1000:12.1f}")
    (native_bytes, native_s), (image_bytes, image_s), (same_bytes, same_s) = results[:3]
    print(f"whole receipt, image default / native: bytes {image_bytes / native_bytes:.1f}x, "
          f"measured time {image_s / native_s:.1f}x")
    print(f"whole receipt, image at the same printed size / native: bytes {same_bytes / native_bytes:.1f}x, "
          f"measured time {same_s / native_s:.1f}x")
    native_qr, default_qr, same_qr = (qr_only(ReceiptCommands, native_qr=True), qr_only(EscposDefaultImageQr),
                                      qr_only(EscposImageQrSameSize))
    print(f"QR code alone: native {native_qr} bytes, image default {default_qr} bytes ({default_qr / native_qr:.1f}x), "
          f"image same size {same_qr} bytes ({same_qr / native_qr:.1f}x)")
    ratio = image_bytes / native_bytes
    print(f"aim >= 5x fewer bytes for the receipt against the image-QR default: {'met' if ratio >= 5 else 'NOT met'} "
          f"({ratio:.1f}x; the text of the receipt is the same in both and dominates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
