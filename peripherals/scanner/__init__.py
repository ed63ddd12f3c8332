"""QR / barcode scanners: serial mode and keyboard-wedge (evdev) mode with the same events, and a pty simulator."""
from peripherals.scanner.driver import EvdevScanner, SerialScanner, make_scanner
from peripherals.scanner.errors import ScannerError, ScannerUnavailable
from peripherals.scanner.events import CodeScanned
from peripherals.scanner.framing import CodeFramer, decode_code
from peripherals.scanner.keymap import KeyWedgeDecoder, key_events_for
from peripherals.scanner.simulator import ScannerSimulator

__all__ = ["SerialScanner", "EvdevScanner", "make_scanner", "CodeScanned", "CodeFramer", "decode_code",
           "KeyWedgeDecoder", "key_events_for", "ScannerSimulator", "ScannerError", "ScannerUnavailable"]
