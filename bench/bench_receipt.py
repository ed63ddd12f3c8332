"""Bytes and time at 115200 baud of a payment receipt: native QR (GS ( k) against python-escpos's image QR.

Run: .venv/bin/python bench/bench_receipt.py

What is compared, and why. The e-invoice QR must scan from a phone: about 25 mm on an 80 mm roll (203 dpi, 8 dots a
mm). The receipt prints it natively at 6 dots a module, level M: the 50-byte URL is a version 4 symbol (33 modules),
198 dots = 24.8 mm. The baseline is the same receipt with the QR sent the way python-escpos does it when the printer
cannot (its default, `qr(..., native=False)`: a qrcode image with a 1-module border through `image()`, GS v 0), at the
same module size and error correction level, so both print the same code. That is the comparison the aim (>= 5x
fewer bytes) is measured on.

python-escpos's own defaults (`qr(content)`: 3 dots a module, level L, a version 3 symbol) print a code of about
12 mm (0.375 mm modules): too small to rely on with a phone camera held over a thermal receipt, so it is shown for
information only. An earlier version of this bench divided by that small code and found 2.2x; the rest of the gap
was the receipt's own text: 31 % of its bytes were the spaces padding each two-column row to 48 columns, now one tab
stop (ESC D n NUL, HT) a row.

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

from escpos.constants import QR_ECLEVEL_M  # noqa: E402

from kiosk.documents.receipts import sample_payment_receipt  # noqa: E402
from peripherals.printer.commands import ReceiptCommands, qr_symbol  # noqa: E402
from peripherals.printer.connectors import MemoryConnector, SerialConnector  # noqa: E402
from peripherals.printer.layout import QrCode  # noqa: E402
from peripherals.printer.protocol import Command, EscposParser  # noqa: E402
from peripherals.printer.simulator import ReceiptPrinterSimulator  # noqa: E402
from peripherals.simbase import wire_time  # noqa: E402

BAUD = 115200
DOTS_PER_MM = 8  # 203 dpi


class EscposImageQr(ReceiptCommands):
    """The baseline: python-escpos's image QR (its default path) at the receipt's module size and level."""

    def qr_code(self, data, size=6, native=None):
        with contextlib.redirect_stdout(io.StringIO()):  # escpos prints a profile warning to stdout
            self.qr(data, ec=QR_ECLEVEL_M, size=size, native=False)


class EscposDefaultQr(ReceiptCommands):
    """python-escpos's qr(content) with all its defaults: 3 dots a module, level L (a ~12 mm code)."""

    def qr_code(self, data, size=6, native=None):
        with contextlib.redirect_stdout(io.StringIO()):
            self.qr(data)


def job(commands_class, **kwargs) -> bytes:
    memory = MemoryConnector()
    commands = commands_class(memory, **kwargs)
    commands.initialize()
    commands.print_elements(sample_payment_receipt())
    return bytes(memory.buffer)


def qr_width_mm(data: bytes, native_dots: int) -> float:
    """The printed width of the code: the raster's width, or the native symbol's modules x module size."""
    for token in EscposParser().feed(data):
        if isinstance(token, Command) and token.name == "GS v 0" and token.payload:
            return (token.params[2] | token.params[3] << 8) * 8 / DOTS_PER_MM
    return native_dots / DOTS_PER_MM


def qr_bytes(data: bytes) -> int:
    """Bytes of the QR code itself (GS ( k or GS v 0)."""
    return sum(len(t.raw) for t in EscposParser().feed(data)
               if isinstance(t, Command) and t.name in ("GS ( k", "GS v 0"))


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
    qr = next(e for e in sample_payment_receipt() if isinstance(e, QrCode))
    native_dots = qr_symbol(qr.data).modules_count * qr.size
    cases = [
        ("native QR, GS ( k (the receipt)", job(ReceiptCommands, native_qr=True)),
        ("python-escpos image QR, same size (baseline)", job(EscposImageQr)),
        ("kiosk image fallback (native_qr = false)", job(ReceiptCommands, native_qr=False)),
        ("python-escpos qr() defaults (info: too small)", job(EscposDefaultQr)),
    ]
    print(f"payment receipt at {BAUD} baud (8N1); e-invoice QR: {len(qr.data)}-byte URL, level M, "
          f"{qr.size} dots a module")
    print(f"{'variant':46} {'QR mm':>6} {'QR bytes':>9} {'bytes':>7} {'wire ms':>8} {'measured ms':>12}")
    results = []
    for name, data in cases:
        seconds = measure(data)
        results.append((len(data), seconds))
        print(f"{name:46} {qr_width_mm(data, native_dots):6.1f} {qr_bytes(data):9d} {len(data):7d} "
              f"{wire_time(len(data), BAUD) * 1000:8.1f} {seconds * 1000:12.1f}")
    (native_bytes, native_s), (image_bytes, image_s), (fallback_bytes, fallback_s), (small_bytes, small_s) = results
    ratio = image_bytes / native_bytes
    print(f"baseline / native (same printed code): bytes {ratio:.1f}x, measured time {image_s / native_s:.1f}x")
    print(f"kiosk fallback / native: bytes {fallback_bytes / native_bytes:.1f}x, "
          f"measured time {fallback_s / native_s:.1f}x")
    print(f"python-escpos defaults / native (a smaller code, info): bytes {small_bytes / native_bytes:.1f}x, "
          f"measured time {small_s / native_s:.1f}x")
    print(f"aim >= 5x fewer bytes than the image QR at the same printed size: {'met' if ratio >= 5 else 'NOT met'} "
          f"({ratio:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
