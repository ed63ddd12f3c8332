"""The receipt printer device: prints receipt elements, polls DLE EOT status, reconnects, reports status changes.

Status reaches the session and the fleet heartbeat through peripherals.status.Device: paper near-end is MEDIA_LOW
(still prints), paper out MEDIA_OUT, cover open HARDWARE_ERROR, cutter jam JAMMED, no answer OFFLINE.
"""
from __future__ import annotations

import logging
import threading

from peripherals.printer.commands import ReceiptCommands, build_job
from peripherals.printer.connectors import Connector, connector_for_url
from peripherals.printer.errors import PrinterError, PrinterUnavailable
from peripherals.printer.layout import Element
from peripherals.printer.realtime import PrinterState
from peripherals.status import BackgroundDevice, CompletionCode, DeviceStatus

logger = logging.getLogger(__name__)

UNAVAILABLE_CODES = {DeviceStatus.MEDIA_OUT: CompletionCode.NO_MEDIA}


class ReceiptPrinter(BackgroundDevice):
    """url: serial:<pyserial url>, usb:<vid>:<pid>, net:<host>[:port], file:<path> (see connectors)."""

    def __init__(self, url: str | None = None, *, connector: Connector | None = None, baud: int = 115200,
                 paper_width_mm: int = 80, native_qr: bool = True, chinese_mode_command: bool = True,
                 poll_interval_s: float = 2.0, timeout_s: float = 1.0, name: str = "receipt_printer"):
        super().__init__(name)
        if connector is None:
            if url is None:
                raise ValueError("a printer URL or a connector is required")
            connector = connector_for_url(url, baud=baud, timeout_s=timeout_s)
        self.url = url
        self.connector = connector
        self.paper_width_mm = paper_width_mm
        self.native_qr = native_qr
        self.chinese_mode_command = chinese_mode_command
        self.poll_interval_s = poll_interval_s
        self.state: PrinterState | None = None
        self._commands = ReceiptCommands(connector, paper_width_mm=paper_width_mm, native_qr=native_qr,
                                         chinese_mode_command=chinese_mode_command)
        self._io = threading.Lock()
        self.join_timeout_s = poll_interval_s + 3

    @classmethod
    def from_config(cls, config, name: str = "receipt_printer") -> "ReceiptPrinter":
        """From a config.schema.ReceiptPrinterConfig."""
        return cls(config.url, baud=config.baud, paper_width_mm=config.paper_width_mm, native_qr=config.native_qr,
                   chinese_mode_command=config.chinese_mode_command, poll_interval_s=config.poll_interval_s,
                   timeout_s=config.timeout_s, name=name)

    # -- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> "ReceiptPrinter":
        self.refresh_status()  # a true status before the first poll: the session asks at once
        return super().start()

    def _close(self) -> None:
        with self._io:
            self.connector.close()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_interval_s):
            try:
                self.refresh_status()
            except Exception:  # the poll thread must outlive any driver bug, or the status would freeze
                if self.status != DeviceStatus.OFFLINE:  # once per outage, not once per poll
                    logger.exception("status poll of %s failed", self.name)
                with self._io:
                    self.connector.close()
                self.set_status(DeviceStatus.OFFLINE, "poll_failed")
        self._close()

    # -- status -----------------------------------------------------------------------------------------------
    def read_state(self) -> PrinterState:
        """Ask the printer now; raises PrinterError when it does not answer or cannot be reached."""
        with self._io:
            try:
                return self._commands.read_state()
            except PrinterError:
                self.connector.close()  # reopen next time: a replugged printer comes back on a new handle
                raise

    def refresh_status(self) -> DeviceStatus:
        """Query and publish the status; a write-only printer (file) counts as online while writes succeed."""
        if not self.connector.readable:
            try:
                with self._io:
                    self.connector.open()
            except PrinterError as exc:
                self.set_status(DeviceStatus.OFFLINE, type(exc).__name__)
            else:
                self.set_status(DeviceStatus.ONLINE, "write_only")
            return self.status
        try:
            state = self.read_state()
        except PrinterError as exc:
            self.state = None
            self.set_status(DeviceStatus.OFFLINE, type(exc).__name__)
            return self.status
        self.state = state
        status, reason = state.device_status()
        self.set_status(status, reason)
        return status

    # -- printing ---------------------------------------------------------------------------------------------
    def build(self, elements: list[Element] | tuple[Element, ...]) -> bytes:
        return build_job(elements, paper_width_mm=self.paper_width_mm, native_qr=self.native_qr,
                         chinese_mode_command=self.chinese_mode_command)

    def print_elements(self, elements: list[Element] | tuple[Element, ...]) -> CompletionCode:
        """Checks the printer can print, sends the whole job in one write, checks again. Never raises PrinterError."""
        try:
            job = self.build(elements)
        except (ValueError, TypeError) as exc:
            logger.warning("receipt not printed: invalid content (%s)", type(exc).__name__)
            return CompletionCode.INVALID_DATA
        status = self.refresh_status()
        if not status.usable:
            logger.warning("receipt not printed: printer %s is %s", self.name, status.value)
            return UNAVAILABLE_CODES.get(status, CompletionCode.HARDWARE_ERROR)
        try:
            with self._io:
                self.connector.write(job)
        except PrinterError as exc:
            logger.warning("receipt not printed: %s", exc.__class__.__name__)
            self.set_status(DeviceStatus.OFFLINE, type(exc).__name__)
            return exc.code
        after = self.refresh_status()
        if after.usable:
            return CompletionCode.SUCCESS
        # Whatever stopped the printer happened during this receipt: the applicant holds at best part of it.
        logger.warning("receipt may be incomplete: printer %s became %s while printing", self.name, after.value)
        return {DeviceStatus.MEDIA_OUT: CompletionCode.NO_MEDIA,
                DeviceStatus.OFFLINE: CompletionCode.TIMEOUT}.get(after, CompletionCode.HARDWARE_ERROR)

    def print_or_raise(self, elements) -> None:
        code = self.print_elements(elements)
        if code != CompletionCode.SUCCESS:
            raise PrinterUnavailable(f"receipt not printed ({code.value})", code)
