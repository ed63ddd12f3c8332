"""The certificate printer simulator (demo and tests only): a CertificatePrinter that saves what it prints to a
folder, holds a tray of pre-printed blanks with their serials (印制号), reads the serial of the blank it just used,
and jams or misprints on command.

The tray and the faults are files in the output folder so a test (or a person at the demo's terminal) in another
process can stack blanks and inject a fault into a running kiosk: `tray.json` is the list of serials from the top
of the stack down, `faults.json` is {"jam": n, "misprint": n, "unreadable": bool}. A jammed or misprinted blank leaves
the tray spoilt, as on a real printer; the next print takes the next blank.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from peripherals.printer.document import CertificatePrinter
from peripherals.status import CompletionCode, DeviceStatus

logger = logging.getLogger(__name__)

TRAY = "tray.json"
FAULTS = "faults.json"


def stack_blanks(output_dir: Path | str, serials: list[str]) -> None:
    """Puts a stack of blanks in the simulated tray (what staff do by hand)."""
    _write(Path(output_dir) / TRAY, list(serials))


def inject(output_dir: Path | str, **faults) -> None:
    """jam=n / misprint=n: the next n prints fail that way; unreadable=True: the serial reader sees nothing."""
    path = Path(output_dir) / FAULTS
    current = _read(path, {})
    current.update(faults)
    _write(path, current)


class SimulatedCertificatePrinter(CertificatePrinter):
    """last_fault: "jam" or "misprint" after a failed print; read_serial(): the serial of the blank just used."""

    simulated = True

    def __init__(self, *, output_dir, name: str = "certificate_printer", **kwargs):
        super().__init__(output_dir=output_dir, name=name, **kwargs)
        self._lock = threading.Lock()
        self.last_fault: str | None = None
        self.last_blank: str | None = None

    def print_pdf(self, pdf: bytes, job_name: str) -> CompletionCode:
        with self._lock:
            tray_path, faults_path = self.output_dir / TRAY, self.output_dir / FAULTS
            tray = _read(tray_path, None)
            self.last_fault = None
            self.last_blank = None
            if tray is not None:
                if not tray:
                    self.set_status(DeviceStatus.MEDIA_OUT, "no_blanks")
                    return CompletionCode.NO_MEDIA
                self.last_blank = tray.pop(0)
                _write(tray_path, tray)
            faults = _read(faults_path, {})
            for fault in ("jam", "misprint"):
                if int(faults.get(fault, 0)) > 0:
                    faults[fault] = int(faults[fault]) - 1
                    _write(faults_path, faults)
                    self.last_fault = fault
                    logger.warning("certificate printer (simulated): %s on blank %s", fault, self.last_blank)
                    return CompletionCode.HARDWARE_ERROR
            if faults.get("unreadable"):
                self.last_blank = None
        return super().print_pdf(pdf, job_name)

    def read_serial(self) -> str | None:
        """The serial the printer's reader saw on the blank it last fed (None: unreadable, ask a person)."""
        return self.last_blank


def certificate_printer_from_config(config, demo: bool):
    """The real driver (CUPS queue); the simulator only on a demo site that saves to a folder."""
    if demo and config.output_dir and not config.cups_queue:
        return SimulatedCertificatePrinter(output_dir=config.output_dir, cups_server=config.cups_server,
                                           job_wait_s=config.job_wait_s)
    return CertificatePrinter.from_config(config)


def _read(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def _write(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    os.replace(tmp, path)
