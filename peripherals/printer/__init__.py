"""Printers: the ESC/POS receipt printer (commands, connectors, status, simulator, PNG preview) and the A4 document
and certificate printers (CUPS or a directory)."""
from peripherals.printer.commands import ReceiptCommands, build_job, qr_image
from peripherals.printer.connectors import (Connector, FileConnector, MemoryConnector, NetworkConnector,
                                            SerialConnector, UsbConnector, connector_for_url)
from peripherals.printer.document import CertificatePrinter, DocumentPrinter
from peripherals.printer.errors import (InvalidPrinterUrl, PrinterBadReply, PrinterError, PrinterNotAnswering,
                                        PrinterUnavailable, PrinterUnreachable)
from peripherals.printer.layout import Cut, Element, Feed, QrCode, Row, Rule, Text
from peripherals.printer.realtime import PrinterState
from peripherals.printer.receipt import ReceiptPrinter

__all__ = [
    "ReceiptCommands", "build_job", "qr_image", "Connector", "FileConnector", "MemoryConnector", "NetworkConnector",
    "SerialConnector", "UsbConnector", "connector_for_url", "CertificatePrinter", "DocumentPrinter",
    "InvalidPrinterUrl", "PrinterBadReply", "PrinterError", "PrinterNotAnswering", "PrinterUnavailable",
    "PrinterUnreachable", "Cut", "Element", "Feed", "QrCode", "Row", "Rule", "Text", "PrinterState",
    "ReceiptPrinter",
]
