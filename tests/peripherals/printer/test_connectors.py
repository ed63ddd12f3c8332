"""Printer URLs and the thin connectors: serial (pyserial URL), network 9100 (a real TCP peer), file, bad input."""
import socket
import threading

import pytest

from peripherals.printer.connectors import (FileConnector, NetworkConnector, SerialConnector, UsbConnector,
                                            connector_for_url)
from peripherals.printer.errors import InvalidPrinterUrl, PrinterUnreachable, UnsupportedOperation
from peripherals.printer.layout import Cut, Text
from peripherals.printer.protocol import Command, EscposParser
from peripherals.printer.realtime import PrinterState, status_bytes
from peripherals.printer.receipt import ReceiptPrinter
from peripherals.status import CompletionCode, DeviceStatus


@pytest.mark.parametrize("url, kind, attrs", [
    ("serial:/dev/ttyUSB0", SerialConnector, {"url": "/dev/ttyUSB0", "baud": 115200}),
    ("serial:/dev/ttyUSB0?baud=9600", SerialConnector, {"url": "/dev/ttyUSB0", "baud": 9600}),
    ("serial:socket://127.0.0.1:7000", SerialConnector, {"url": "socket://127.0.0.1:7000"}),
    ("/dev/pts/7", SerialConnector, {"url": "/dev/pts/7"}),
    ("loop://", SerialConnector, {"url": "loop://"}),
    ("net:10.0.0.5", NetworkConnector, {"host": "10.0.0.5", "port": 9100}),
    ("net:printer.local:9101", NetworkConnector, {"host": "printer.local", "port": 9101}),
    ("net:[::1]:9101", NetworkConnector, {"host": "::1", "port": 9101}),
    ("usb:0416:5011", UsbConnector, {"vendor_id": 0x0416, "product_id": 0x5011}),
    ("file:/dev/usb/lp0", FileConnector, {"path": "/dev/usb/lp0"}),
])
def test_printer_urls(url, kind, attrs):
    connector = connector_for_url(url)
    assert isinstance(connector, kind)
    for name, value in attrs.items():
        assert getattr(connector, name) == value


@pytest.mark.parametrize("url, message", [
    ("", "^empty printer URL$"), ("  ", "^empty printer URL$"), ("lpt1", "unknown printer URL 'lpt1'"),
    ("usb:xyz", "must be usb:<vid hex>:<pid hex>"), ("usb:0416", "must be usb:<vid hex>:<pid hex>"),
    ("net:", "^no host in 'net:'$"), ("net:host:port", "^bad port"), ("net:h:70000", "^bad port"),
    ("serial:", "^no serial port"), ("serial:/dev/x?baud=fast", "^bad baud rate"), ("file:", "^no path")])
def test_bad_urls_are_refused_with_a_message(url, message):
    with pytest.raises(InvalidPrinterUrl, match=message):
        connector_for_url(url)


def test_serial_port_that_does_not_exist_is_unreachable():
    with pytest.raises(PrinterUnreachable, match="cannot open serial printer"):
        SerialConnector("/nonexistent/tty").open()


def test_file_connector_appends_bytes_and_cannot_report_status(tmp_path):
    path = tmp_path / "lp0"
    printer = ReceiptPrinter(f"file:{path}")
    assert printer.refresh_status() == DeviceStatus.ONLINE
    assert printer.print_elements([Text("A"), Cut()]) == CompletionCode.SUCCESS
    printer.stop()
    assert path.read_bytes() == b"\x1b@A\n\x1dVB\x00"
    with pytest.raises(UnsupportedOperation, match="is write-only: it cannot report status"):
        FileConnector(str(path)).read()


def test_file_printer_in_a_missing_directory_is_offline(tmp_path):
    printer = ReceiptPrinter(f"file:{tmp_path}/missing/lp0")
    assert printer.refresh_status() == DeviceStatus.OFFLINE


def test_usb_without_pyusb_says_how_to_proceed():
    try:
        import usb  # noqa: F401
    except ImportError:
        with pytest.raises(PrinterUnreachable, match="pyusb"):
            UsbConnector(0x0416, 0x5011).open()
    else:
        pytest.skip("pyusb is installed")


class TcpPrinter:
    """A network printer on 127.0.0.1: records bytes, answers DLE EOT like the pty simulator."""

    def __init__(self, state=PrinterState()):
        self.state = state
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.server.settimeout(5)
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        parser = EscposParser()
        with conn:
            conn.settimeout(5)
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                self.received += data
                for token in parser.feed(data):
                    if isinstance(token, Command) and token.name == "DLE 0x04":
                        conn.sendall(bytes([status_bytes(self.state)[token.params[0]]]))

    def close(self):
        self.server.close()
        self.thread.join(5)


def test_network_printer_on_port_9100_style_socket():
    peer = TcpPrinter(PrinterState(paper_near_end=True))
    printer = ReceiptPrinter(f"net:127.0.0.1:{peer.port}", timeout_s=1.0)
    try:
        assert printer.refresh_status() == DeviceStatus.MEDIA_LOW
        assert printer.print_elements([Text("网络"), Cut()]) == CompletionCode.SUCCESS
    finally:
        printer.stop()
        peer.close()
    assert "网络".encode("gb18030") in peer.received and peer.received.count(b"\x10\x04") == 12  # three status reads


def test_network_printer_that_refuses_the_connection_is_offline():
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    printer = ReceiptPrinter(f"net:127.0.0.1:{port}")
    assert printer.refresh_status() == DeviceStatus.OFFLINE
