"""Thin transports for the ESC/POS command class: serial (pyserial URL), USB, network port 9100, file, memory.

Each connector only opens, writes, reads and closes; the command logic lives in peripherals.printer.commands.
A printer is named by a URL: serial:<pyserial url>[?baud=N], usb:<vid>:<pid>, net:<host>[:port], file:<path>.
"""
from __future__ import annotations

import logging
import socket
import termios

import serial

from peripherals.printer.errors import InvalidPrinterUrl, PrinterUnreachable, UnsupportedOperation

logger = logging.getLogger(__name__)

DEFAULT_NET_PORT = 9100


class Connector:
    """One transport. read() returns at most n bytes, b"" on timeout."""

    readable = True

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, n: int = 1) -> bytes:
        raise NotImplementedError

    def discard_input(self) -> None:
        """Drop stale bytes (a late reply, an automatic status) so the next read answers the next query."""

    @property
    def is_open(self) -> bool:
        raise NotImplementedError


class SerialConnector(Connector):
    """Any pyserial URL: a device path, a pty, loop://, socket://, spy://, rfc2217://."""

    def __init__(self, url: str, baud: int = 115200, timeout_s: float = 1.0, write_timeout_s: float = 30.0):
        self.url = url
        self.baud = baud
        self.timeout_s = timeout_s
        self.write_timeout_s = write_timeout_s
        self._port: serial.SerialBase | None = None

    def __repr__(self) -> str:
        return f"SerialConnector({self.url!r}, baud={self.baud})"

    def open(self) -> None:
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baud, timeout=self.timeout_s,
                                               write_timeout=self.write_timeout_s)
        except (serial.SerialException, OSError, ValueError, termios.error) as exc:
            raise PrinterUnreachable(f"cannot open serial printer {self.url}: {exc}") from None

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError, termios.error):
                pass

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError, termios.error) as exc:
            self.close()
            raise PrinterUnreachable(f"serial printer {self.url} went away while writing: {exc}") from None

    def read(self, n: int = 1) -> bytes:
        self.open()
        try:
            return self._port.read(n)
        except (serial.SerialException, OSError, termios.error) as exc:
            self.close()
            raise PrinterUnreachable(f"serial printer {self.url} went away while reading: {exc}") from None

    def discard_input(self) -> None:
        if self._port is not None:
            try:
                self._port.reset_input_buffer()
            except (serial.SerialException, OSError, termios.error):  # tcflush on a pty whose other end is gone
                self.close()


class NetworkConnector(Connector):
    """Raw TCP to a printer's port 9100 (JetDirect style); bidirectional, so status queries work."""

    def __init__(self, host: str, port: int = DEFAULT_NET_PORT, timeout_s: float = 3.0):
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self._sock: socket.socket | None = None

    def __repr__(self) -> str:
        return f"NetworkConnector({self.host!r}, {self.port})"

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as exc:
            raise PrinterUnreachable(f"cannot connect to printer {self.host}:{self.port}: {exc}") from None

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self._sock.sendall(data)
        except OSError as exc:
            self.close()
            raise PrinterUnreachable(f"printer {self.host}:{self.port} went away while writing: {exc}") from None

    def read(self, n: int = 1) -> bytes:
        self.open()
        try:
            data = self._sock.recv(n)
        except socket.timeout:
            return b""
        except OSError as exc:
            self.close()
            raise PrinterUnreachable(f"printer {self.host}:{self.port} went away while reading: {exc}") from None
        if not data:  # the printer closed the connection
            self.close()
            raise PrinterUnreachable(f"printer {self.host}:{self.port} closed the connection")
        return data

    def discard_input(self) -> None:
        if self._sock is None:
            return
        self._sock.setblocking(False)
        try:
            while self._sock.recv(256):
                pass
        except (BlockingIOError, OSError):
            pass
        finally:
            if self._sock is not None:
                self._sock.settimeout(self.timeout_s)


class FileConnector(Connector):
    """A file or a character device such as /dev/usb/lp0; write-only, so no status."""

    readable = False

    def __init__(self, path: str):
        self.path = path
        self._file = None

    def __repr__(self) -> str:
        return f"FileConnector({self.path!r})"

    def open(self) -> None:
        if self._file is not None:
            return
        try:
            self._file = open(self.path, "ab")
        except OSError as exc:
            raise PrinterUnreachable(f"cannot open printer file {self.path}: {exc.strerror}") from None

    def close(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            f.close()

    @property
    def is_open(self) -> bool:
        return self._file is not None

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            self.close()
            raise PrinterUnreachable(f"cannot write printer file {self.path}: {exc.strerror}") from None

    def read(self, n: int = 1) -> bytes:
        raise UnsupportedOperation(f"printer file {self.path} is write-only: it cannot report status")


class UsbConnector(Connector):
    """A USB printer by vendor and product id, through python-escpos's Usb (needs pyusb, not installed by default:
    most USB receipt printers also appear as /dev/usb/lp* and work with file:)."""

    def __init__(self, vendor_id: int, product_id: int, timeout_s: float = 1.0):
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.timeout_s = timeout_s
        self._usb = None

    def __repr__(self) -> str:
        return f"UsbConnector({self.vendor_id:04x}:{self.product_id:04x})"

    def open(self) -> None:
        if self._usb is not None:
            return
        try:
            import usb.core  # noqa: F401  (pyusb: optional)
        except ImportError:
            raise PrinterUnreachable("usb: printers need pyusb (pip install pyusb), "
                                     "or use file:/dev/usb/lp0 with the kernel's usblp driver") from None
        from escpos.printer import Usb
        try:
            printer = Usb(self.vendor_id, self.product_id, timeout=int(self.timeout_s * 1000))
            printer.open()
        except Exception as exc:  # escpos raises its own DeviceNotFoundError and pyusb's USBError
            raise PrinterUnreachable(f"cannot open USB printer {self.vendor_id:04x}:{self.product_id:04x}: "
                                     f"{exc}") from None
        self._usb = printer

    def close(self) -> None:
        printer, self._usb = self._usb, None
        if printer is not None:
            printer.close()

    @property
    def is_open(self) -> bool:
        return self._usb is not None

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self._usb._raw(data)
        except Exception as exc:
            self.close()
            raise PrinterUnreachable(f"USB printer went away while writing: {exc}") from None

    def read(self, n: int = 1) -> bytes:
        self.open()
        try:
            return bytes(self._usb._read())[:n]
        except Exception:
            return b""


class MemoryConnector(Connector):
    """Collects the bytes (as escpos's Dummy does); used to build a job before sending it, and by tests."""

    readable = False

    def __init__(self):
        self.buffer = bytearray()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    @property
    def is_open(self) -> bool:
        return True

    def write(self, data: bytes) -> None:
        self.buffer += data

    def read(self, n: int = 1) -> bytes:
        raise UnsupportedOperation("a memory printer cannot report status")


def connector_for_url(url: str, *, baud: int = 115200, timeout_s: float = 1.0) -> Connector:
    """serial:/dev/ttyUSB0?baud=9600, serial:socket://host:port, usb:0416:5011, net:10.0.0.5[:9100], file:/dev/usb/lp0.

    A bare path or a pyserial URL without the serial: prefix is taken as serial, so a pty path works as is.
    """
    if not url or not url.strip():
        raise InvalidPrinterUrl("empty printer URL")
    url = url.strip()
    scheme, sep, rest = url.partition(":")
    if scheme == "serial" and sep:
        rest, _, query = rest.partition("?baud=")
        if query:
            try:
                baud = int(query)
            except ValueError:
                raise InvalidPrinterUrl(f"bad baud rate in {url!r}") from None
        if not rest:
            raise InvalidPrinterUrl(f"no serial port in {url!r}")
        return SerialConnector(rest, baud=baud, timeout_s=timeout_s)
    if scheme == "usb" and sep:
        parts = rest.split(":")
        try:
            vid, pid = (int(p, 16) for p in parts)
        except ValueError:
            raise InvalidPrinterUrl(f"usb printer URL must be usb:<vid hex>:<pid hex>, not {url!r}") from None
        return UsbConnector(vid, pid, timeout_s=timeout_s)
    if scheme == "net" and sep:
        if rest.startswith("["):  # net:[::1]:9100
            host, _, port = rest[1:].partition("]")
            port = port[1:] if port.startswith(":") else port
        else:
            host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
        if not host:
            raise InvalidPrinterUrl(f"no host in {url!r}")
        try:
            port_number = int(port) if port else DEFAULT_NET_PORT
        except ValueError:
            raise InvalidPrinterUrl(f"bad port in {url!r}") from None
        if not 0 < port_number < 65536:
            raise InvalidPrinterUrl(f"bad port in {url!r}")
        return NetworkConnector(host, port_number, timeout_s=max(timeout_s, 1.0))
    if scheme == "file" and sep:
        if not rest:
            raise InvalidPrinterUrl(f"no path in {url!r}")
        return FileConnector(rest)
    if url.startswith("/") or "://" in url:
        return SerialConnector(url, baud=baud, timeout_s=timeout_s)
    raise InvalidPrinterUrl(f"unknown printer URL {url!r}: use serial:, usb:, net: or file:")
