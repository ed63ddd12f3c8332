"""`kiosk device print`, `kiosk device printer-status` and `kiosk sim receipt-printer` (field-staff diagnostics)."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from kiosk.cli import CliError
from kiosk.cli.simulators import run_simulator, stop_on_signals

logger = logging.getLogger(__name__)

SAMPLES = ("receipt", "proof", "test-page")
DOCUMENT_SCHEMES = ("cups:", "dir:")
# Status reasons of a document printer that did not answer at all (the others are states it reported).
UNREACHABLE_DOCUMENT_PRINTER = {
    "queue_unknown": "the CUPS server has no such queue (lpstat -p lists the queues)",
    "cups_not_running": "no CUPS scheduler answers (is cupsd running? check --cups-server / CUPS_SERVER)",
    "cups_not_answering": "the CUPS scheduler does not answer in time",
    "cups_client_missing": "the CUPS client (lp, lpstat) is not installed",
    "output_dir_unavailable": "the output directory cannot be created",
    "output_dir_not_writable": "the output directory is not writable",
}
CUPS_SERVER_HELP = "for cups: printers, the CUPS server (host[:port] or socket path) if not the local one"


def register(groups) -> None:
    device = groups["device"]
    pr = device.add_parser("print", help="print a sample on a printer")
    pr.add_argument("--printer", required=True,
                    help="receipt printer: serial:<port or pyserial URL>[?baud=N], usb:<vid>:<pid>, net:<host>[:port],"
                         " file:<path>; document printer: cups:<queue> or dir:<path>")
    pr.add_argument("--sample", required=True, choices=SAMPLES)
    pr.add_argument("--paper", type=int, choices=(58, 80), default=80, help="paper width in mm (receipt printers)")
    pr.add_argument("--image-qr", action="store_true", help="send QR codes as images (printers without GS ( k)")
    pr.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for a status reply")
    pr.add_argument("--cups-server", help=CUPS_SERVER_HELP)
    pr.set_defaults(func=_print)
    st = device.add_parser("printer-status", help="ask a printer for its status (JSON)")
    st.add_argument("--printer", required=True, help="same forms as for `kiosk device print`")
    st.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for a status reply")
    st.add_argument("--cups-server", help=CUPS_SERVER_HELP)
    st.set_defaults(func=_status)
    sim = groups["sim"].add_parser("receipt-printer", help="an ESC/POS receipt printer on a pty")
    sim.add_argument("--link", help="stable path to the pty, e.g. /tmp/kiosk/receipt-printer")
    sim.add_argument("--baud", type=int, default=115200)
    sim.add_argument("--paper-lines", type=int, default=None, help="paper left, in lines (default: endless)")
    sim.add_argument("--preview-dir", help="write a PNG preview of each receipt here")
    sim.set_defaults(func=_simulate)


def _is_document(url: str) -> bool:
    return url.startswith(DOCUMENT_SCHEMES)


def _document_printer(url: str, cups_server: str | None = None):
    from peripherals.printer import DocumentPrinter
    scheme, _, rest = url.partition(":")
    if not rest:
        raise CliError(f"{url}: give a queue name (cups:QUEUE) or a directory (dir:PATH)")
    if scheme == "cups":
        return DocumentPrinter(cups_queue=rest, cups_server=cups_server)
    return DocumentPrinter(output_dir=Path(rest))


def _receipt_printer(args):
    from peripherals.printer import InvalidPrinterUrl, ReceiptPrinter
    try:
        return ReceiptPrinter(args.printer, paper_width_mm=getattr(args, "paper", 80),
                              native_qr=not getattr(args, "image_qr", False), timeout_s=args.timeout)
    except InvalidPrinterUrl as exc:
        raise CliError(str(exc)) from None


def _read_state(printer, url: str, timeout: float):
    from peripherals.printer import PrinterError
    from peripherals.printer.errors import PrinterNotAnswering, UnsupportedOperation
    try:
        return printer.read_state()
    except PrinterNotAnswering:
        raise CliError(f"printer {url} does not answer (no reply to a status query within {timeout:g} s): "
                       f"check power, cable, port and baud rate") from None
    except UnsupportedOperation as exc:
        raise CliError(str(exc)) from None
    except PrinterError as exc:
        raise CliError(f"printer {url}: {exc}") from None


def _status(args) -> int:
    url = args.printer
    if _is_document(url):
        printer = _document_printer(url, args.cups_server)
        reasons = []
        printer.add_listener(lambda event: reasons.append(getattr(event, "reason", "")))
        status = printer.refresh_status()
        reason = reasons[-1] if reasons else ""
        if reason in UNREACHABLE_DOCUMENT_PRINTER:
            raise CliError(f"printer {url}: {UNREACHABLE_DOCUMENT_PRINTER[reason]}")
        print(json.dumps({"printer": url, "status": status.value, "reason": reason}))
        return 0
    printer = _receipt_printer(args)
    try:
        state = _read_state(printer, url, args.timeout)
    finally:
        printer.connector.close()
    print(json.dumps({"printer": url, **state.as_dict()}, ensure_ascii=False))
    return 0


def _print(args) -> int:
    url = args.printer
    if args.sample == "proof":
        if not _is_document(url):
            raise CliError("a proof is an A4 document: use --printer cups:QUEUE or --printer dir:PATH")
        from kiosk.documents.proofs import build_proof_pdf, sample_proof
        printer = _document_printer(url, args.cups_server)
        code = printer.print_pdf(build_proof_pdf("property_record", sample_proof()), "sample-proof")
        if code.value != "success":
            raise CliError(f"proof not printed on {url}: {code.value} ({printer.status.value})")
        print(f"printed sample proof on {url} ({printer.last_job})")
        return 0
    if _is_document(url):
        raise CliError(f"a {args.sample} is for a receipt printer: use serial:, usb:, net: or file:")
    printer = _receipt_printer(args)
    elements = _receipt_sample(args.sample, url)
    try:
        if printer.connector.readable:
            state = _read_state(printer, url, args.timeout)
            status, reason = state.device_status()
            if not status.usable:
                raise CliError(f"printer {url} cannot print: {status.value} ({reason})")
        job = printer.build(elements)
        from peripherals.printer import PrinterError
        try:
            printer.connector.write(job)
        except PrinterError as exc:
            raise CliError(f"printer {url}: {exc}") from None
        if printer.connector.readable:
            status, reason = _read_state(printer, url, args.timeout).device_status()
            if not status.usable:
                raise CliError(f"printer {url} stopped while printing: {status.value} ({reason})")
    finally:
        printer.connector.close()
    print(f"printed sample {args.sample} on {url} ({len(job)} bytes)")
    return 0


def _receipt_sample(sample: str, url: str):
    from kiosk.documents.receipts import sample_payment_receipt
    if sample == "receipt":
        return sample_payment_receipt()
    from peripherals.printer import Cut, QrCode, Row, Rule, Text
    now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    return [
        Text("打印机测试页", "center", bold=True, double=True), Text("PRINTER TEST PAGE", "center"), Rule(),
        Row("Printer", url[-30:]), Row("Time", now), Rule(),
        Text("left / 左对齐"), Text("center / 居中", "center"), Text("right / 右对齐", "right"),
        Text("bold / 粗体", bold=True), Text("double / 倍大", double=True),
        Text("全角标点：，。；：？！“”‘’（）《》【】￥"), Text("常用字：不动产登记中心 缴费 证明 领证"),
        Text("".join(str(i % 10) for i in range(1, 49))), Rule("="),
        Text("QR", "center"), QrCode("https://gateway.example/verify/TEST-PAGE", 5), Cut(),
    ]


def _simulate(args) -> int:
    from peripherals.printer.render import save_preview
    from peripherals.printer.simulator import ReceiptPrinterSimulator
    sim = ReceiptPrinterSimulator(baud=args.baud, link=args.link, paper_lines=args.paper_lines)
    preview_dir = Path(args.preview_dir) if args.preview_dir else None
    count = 0

    def on_receipt(data: bytes) -> None:
        nonlocal count
        count += 1
        if preview_dir is not None:
            path = save_preview(data, preview_dir / f"receipt-{count:04d}.png")
            print(f"receipt {count}: {len(data)} bytes, preview {path}", flush=True)
        else:
            print(f"receipt {count}: {len(data)} bytes", flush=True)

    sim.on_receipt = on_receipt
    sim.start()
    stopping = stop_on_signals()
    print(f"receipt printer simulator on {sim.path} (Ctrl-C to stop)", flush=True)
    return run_simulator(sim, stopping)
