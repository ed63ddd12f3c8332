"""The configuration schema with its defaults; unknown keys are refused so a typo never passes silently."""
from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteKind(StrEnum):
    HALL = "hall"
    BANK = "bank"
    LOCKER = "locker"


class Service(StrEnum):
    """The services a kiosk can offer; a profile lists the ones its site offers."""

    CASE_STATUS = "case_status"
    PAYMENT = "payment"
    PROOF = "proof"
    CERTIFICATE_PRINT = "certificate_print"
    E_CERTIFICATE = "e_certificate"
    TRANSFERS = "transfers"
    PICKUP = "pickup"
    MORTGAGE_SIGNING = "mortgage_signing"


class DeviceName(StrEnum):
    CARD_READER = "card_reader"
    SCANNER = "scanner"
    CAMERA = "camera"
    RECEIPT_PRINTER = "receipt_printer"
    DOCUMENT_PRINTER = "document_printer"
    CERTIFICATE_PRINTER = "certificate_printer"
    LOCKER = "locker"


class SiteConfig(Strict):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1)
    kind: SiteKind
    services: list[Service] = Field(min_length=1)
    required_devices: list[DeviceName] = Field(default_factory=list)
    # A demo site may use the card-only identity method; a real site never can.
    demo: bool = False


class SerialDevice(Strict):
    enabled: bool = True
    # A pyserial URL or path: /dev/serial/by-id/..., loop://, socket://host:port, spy://..., or a pty path.
    port: str | None = None
    baud: int = Field(default=9600, gt=0)

    @model_validator(mode="after")
    def _port_needed(self):
        if self.enabled and not self.port:
            raise ValueError("port: a port is required when the device is enabled")
        return self


class CardReaderConfig(SerialDevice):
    baud: int = Field(default=115200, gt=0)
    poll_interval_s: float = Field(default=0.25, gt=0, le=5)
    timeout_s: float = Field(default=1.0, gt=0, le=30)
    # Optional vendor WLT photo decoder (a shared library); without it the platform portrait is the reference.
    wlt_decoder: Path | None = None


class ScannerConfig(SerialDevice):
    mode: Literal["serial", "evdev"] = "serial"
    idle_gap_ms: int = Field(default=80, gt=0, le=2000)
    encoding: Literal["utf-8", "gb18030", "auto"] = "auto"


class CameraConfig(Strict):
    enabled: bool = True
    # A device index ("0"), a /dev/video* path, an rtsp:// URL, or a video/image file for simulation.
    source: str = "0"
    width: int = Field(default=640, gt=0)
    height: int = Field(default=480, gt=0)


class ReceiptPrinterConfig(Strict):
    enabled: bool = True
    # serial:<pyserial url>, usb:<vid>:<pid>, net:<host>[:port], file:<path>
    url: str | None = None
    paper_width_mm: Literal[58, 80] = 80
    native_qr: bool = True

    @model_validator(mode="after")
    def _url_needed(self):
        if self.enabled and not self.url:
            raise ValueError("url: a printer URL is required when the printer is enabled")
        return self


class DocumentPrinterConfig(Strict):
    enabled: bool = True
    cups_queue: str | None = None
    # With no CUPS queue, documents are saved here instead (demo and tests).
    output_dir: Path | None = None


class CertificatePrinterConfig(Strict):
    enabled: bool = False
    cups_queue: str | None = None
    output_dir: Path | None = None


class LockerConfig(SerialDevice):
    protocol: Literal["kerong", "8a"] = "kerong"
    baud: int = Field(default=19200, gt=0)
    boards: list[int] = Field(default_factory=lambda: [0])
    hook_closed_bit: Literal[0, 1] = 1
    item_present_bit: Literal[0, 1] = 1


class DevicesConfig(Strict):
    card_reader: CardReaderConfig = CardReaderConfig(enabled=False)
    scanner: ScannerConfig = ScannerConfig(enabled=False)
    camera: CameraConfig = CameraConfig(enabled=False)
    receipt_printer: ReceiptPrinterConfig = ReceiptPrinterConfig(enabled=False)
    document_printer: DocumentPrinterConfig = DocumentPrinterConfig(enabled=False)
    certificate_printer: CertificatePrinterConfig = CertificatePrinterConfig(enabled=False)
    locker: LockerConfig = LockerConfig(enabled=False)


class GatewayConfig(Strict):
    url: str = Field(default="http://127.0.0.1:8600", pattern=r"^https?://")
    kiosk_id: str = Field(default="demo-hall-01", min_length=1)
    api_key: str | None = None
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_cert: Path | None = None


class SessionConfig(Strict):
    idle_timeout_s: float = Field(default=60, ge=10)
    idle_warning_s: float = Field(default=20, ge=5)
    done_timeout_s: float = Field(default=15, ge=3)
    maintenance_idle_timeout_s: float = Field(default=300, ge=30)


class IdentityConfig(Strict):
    # "face": card + live face match (issue 5). "card_only_demo": the card read alone verifies; for the demo only,
    # refused in a production profile.
    method: Literal["face", "card_only_demo"] = "face"
    max_attempts: int = Field(default=3, ge=1, le=10)
    attempt_time_s: float = Field(default=20, gt=0)


class UIConfig(Strict):
    language: Literal["zh_CN", "en"] = "zh_CN"
    width: int = Field(default=1080, gt=0)
    height: int = Field(default=1920, gt=0)
    fullscreen: bool = False
    font_path: Path | None = None
    large_text: bool = False
    high_contrast: bool = False
    speech: bool = False


class StorageConfig(Strict):
    data_dir: Path = Path("/var/lib/kiosk")
    key_file: Path | None = None
    retention_days: int = Field(default=30, ge=1)


class LoggingConfig(Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: Path | None = None


class KioskConfig(Strict):
    site: SiteConfig
    devices: DevicesConfig = DevicesConfig()
    gateway: GatewayConfig = GatewayConfig()
    session: SessionConfig = SessionConfig()
    identity: IdentityConfig = IdentityConfig()
    ui: UIConfig = UIConfig()
    storage: StorageConfig = StorageConfig()
    logging: LoggingConfig = LoggingConfig()

    @model_validator(mode="after")
    def _required_devices_enabled(self):
        for name in self.site.required_devices:
            if not getattr(self.devices, name.value).enabled:
                raise ValueError(f"site.required_devices: {name.value} is required by this site but disabled")
        if self.identity.method == "card_only_demo" and not self.site.demo:
            raise ValueError("identity.method: card_only_demo is only allowed when site.demo = true")
        return self
