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
    MORTGAGE_CERTIFICATE = "mortgage_certificate"  # a bank service point prints the recorded mortgage's proof


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
    # Where this kiosk stands in the hall ("一楼大厅 A区 3号机"): staff called to it (kiosk.staff_help) find it there.
    location: str = Field(default="", max_length=64)


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
    # The decoder's exported function, `int f(char *wlt, unsigned char *bmp, int save)`; vendors name it differently.
    wlt_function: str = Field(default="unpack", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    read_attempts: int = Field(default=3, ge=1, le=10)


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
    # A video file played as a camera starts again at its end; off, the end of the file is an unplug.
    loop: bool = True
    # Frame rate for a still image or to override a video file's own; None: the source's rate (30 for a still).
    fps: float | None = Field(default=None, gt=0, le=240)
    reconnect_s: float = Field(default=1.0, gt=0, le=60)


class DocumentCameraConfig(CameraConfig):
    # A page needs far more pixels than a face: A4 at about 100 dpi fills most of a 1600x1200 frame.
    width: int = Field(default=1600, gt=0)
    height: int = Field(default=1200, gt=0)


class ReceiptPrinterConfig(Strict):
    enabled: bool = True
    # serial:<pyserial url>[?baud=N], usb:<vid>:<pid>, net:<host>[:port] (9100), file:<path> (e.g. /dev/usb/lp0)
    url: str | None = None
    baud: int = Field(default=115200, gt=0)
    paper_width_mm: Literal[58, 80] = 80
    # Native GS ( k QR codes; false sends the code as a raster image for printers that lack the command.
    native_qr: bool = True
    # Send FS & (enter Chinese mode) before GB18030 text; harmless on printers that start in Chinese mode.
    chinese_mode_command: bool = True
    poll_interval_s: float = Field(default=2.0, gt=0, le=60)
    timeout_s: float = Field(default=1.0, gt=0, le=30)

    @model_validator(mode="after")
    def _url_needed(self):
        if self.enabled and not self.url:
            raise ValueError("url: a printer URL is required when the printer is enabled")
        return self


_CUPS_QUEUE = r"^[A-Za-z0-9_.@-]{1,127}$"


class DocumentPrinterConfig(Strict):
    enabled: bool = True
    cups_queue: str | None = Field(default=None, pattern=_CUPS_QUEUE)
    # With no CUPS queue, documents are saved here instead (demo and tests). Proofs carry the holder's name: a
    # production kiosk prints through CUPS and leaves this unset.
    output_dir: Path | None = None
    # The CUPS server (host[:port] or a domain socket path) when not the local default; given to lp/lpstat as
    # CUPS_SERVER.
    cups_server: str | None = Field(default=None, pattern=r"^[^\s]{1,255}$")
    # How long a print follows its CUPS job until it has printed; a job that cannot print by then is cancelled.
    job_wait_s: float = Field(default=120.0, ge=0, le=900)

    @model_validator(mode="after")
    def _destination_needed(self):
        if self.enabled and not self.cups_queue and not self.output_dir:
            raise ValueError("cups_queue: a CUPS queue (or an output_dir for the demo) is required when enabled")
        return self


class CertificatePrinterConfig(DocumentPrinterConfig):
    enabled: bool = False
    # The blank-certificate ledger (SQLite); default: certificate-ledger.sqlite3 in storage.data_dir.
    ledger_file: Path | None = None


class CompartmentConfig(Strict):
    label: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9-]+$")
    board: int = Field(ge=0, le=255)
    lock: int = Field(ge=1, le=24)
    size: Literal["small", "medium", "large"] = "medium"


class LockerConfig(SerialDevice):
    protocol: Literal["kerong", "8a"] = "kerong"
    # 19200 for kerong; an 8a locker without an explicit baud gets its family's 9600.
    baud: int = Field(default=19200, gt=0)
    boards: list[int] = Field(default_factory=lambda: [0], min_length=1)
    hook_closed_bit: Literal[0, 1] = 1
    item_present_bit: Literal[0, 1] = 1
    # None: the family's count (kerong 16, 8a 24).
    locks_per_board: int | None = Field(default=None, ge=1, le=24)
    reply_timeout_s: float = Field(default=0.3, gt=0, le=5)
    retries: int = Field(default=3, ge=1, le=10)
    # Empty: every lock of every board becomes a compartment labelled "<board>-<lock:02d>".
    compartments: list[CompartmentConfig] = Field(default_factory=list)
    # Pickup code entry: failures in a row before entry locks, and for how long.
    code_max_failures: int = Field(default=5, ge=1, le=20)
    code_lockout_s: float = Field(default=300, gt=0, le=86400)
    door_close_timeout_s: float = Field(default=120, gt=0, le=3600)
    # A deposit not collected after this many days: its holder is reminded by SMS, then staff recall it (issue 22).
    recall_after_days: int = Field(default=5, ge=1, le=90)

    @model_validator(mode="before")
    @classmethod
    def _family_baud(cls, data):
        if isinstance(data, dict) and data.get("protocol") == "8a" and "baud" not in data:
            data = {**data, "baud": 9600}
        return data

    @model_validator(mode="after")
    def _addresses(self):
        top_board, top_lock = (14, 16) if self.protocol == "kerong" else (255, 24)
        low_board = 0 if self.protocol == "kerong" else 1
        for board in self.boards:
            if not low_board <= board <= top_board:
                raise ValueError(f"boards: {self.protocol} board numbers are {low_board}..{top_board}, not {board}")
        if len(set(self.boards)) != len(self.boards):
            raise ValueError("boards: a board is listed twice")
        locks = min(self.locks_per_board or top_lock, top_lock)
        labels: set[str] = set()
        wired: dict[tuple[int, int], str] = {}
        for c in self.compartments:
            if c.label in labels:
                raise ValueError(f"compartments: label {c.label} is used twice")
            if c.board not in self.boards:
                raise ValueError(f"compartments: {c.label} is on board {c.board}, which is not in boards")
            if c.lock > locks:
                raise ValueError(f"compartments: {c.label} lock {c.lock} is beyond the board's {locks} locks")
            if (c.board, c.lock) in wired:
                raise ValueError(f"compartments: {wired[(c.board, c.lock)]} and {c.label} share one lock")
            labels.add(c.label)
            wired[(c.board, c.lock)] = c.label
        return self


class DevicesConfig(Strict):
    card_reader: CardReaderConfig = CardReaderConfig(enabled=False)
    scanner: ScannerConfig = ScannerConfig(enabled=False)
    camera: CameraConfig = CameraConfig(enabled=False)
    receipt_printer: ReceiptPrinterConfig = ReceiptPrinterConfig(enabled=False)
    document_printer: DocumentPrinterConfig = DocumentPrinterConfig(enabled=False)
    certificate_printer: CertificatePrinterConfig = CertificatePrinterConfig(enabled=False)
    locker: LockerConfig = LockerConfig(enabled=False)
    # The document camera (高拍仪) for one-window application materials: a second camera, configured like `camera`
    # (a UVC device path, or a video file from peripherals/document_camera/simulator.py in a demo).
    document_camera: DocumentCameraConfig = DocumentCameraConfig(enabled=False)


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
    # A screen waiting for the applicant's phone (payment QR, e-certificate QR): longer, and shown on screen.
    phone_idle_timeout_s: float = Field(default=180, ge=10)


class IdentityConfig(Strict):
    # "face": card + live face match (issue 5). "card_only_demo": the card read alone verifies; for the demo only,
    # refused in a production profile.
    method: Literal["face", "card_only_demo"] = "face"
    max_attempts: int = Field(default=3, ge=1, le=10)
    attempt_time_s: float = Field(default=20, gt=0)
    # Largest face-encoding distance accepted as the same person. Measured over every pair in ../shared/data/faces
    # (photo pairs, and frontal clip frames against each portrait): the worst genuine pair is 0.521, the closest
    # impostor 0.637; 0.58 sits midway (margin 0.06 each side). `bench/bench_face.py` re-measures it.
    face_distance_threshold: float = Field(default=0.58, gt=0, lt=1.2)
    # Liveness checks an attempt must pass: a blink and/or the random head-turn challenge.
    liveness_checks: list[Literal["blink", "turn"]] = Field(default_factory=lambda: ["blink", "turn"], min_length=1)
    # Smallest face (pixels across) taken as close enough for a reliable encoding.
    min_face_px: int = Field(default=80, ge=40, le=1000)


class UIConfig(Strict):
    language: Literal["zh_CN", "en"] = "zh_CN"
    width: int = Field(default=1080, gt=0)
    height: int = Field(default=1920, gt=0)
    fullscreen: bool = False
    font_path: Path | None = None
    large_text: bool = False
    high_contrast: bool = False
    speech: bool = False
    speech_volume: int = Field(default=100, ge=20, le=200)  # espeak-ng amplitude; the on-screen buttons change it
    elderly: bool = False  # 长辈模式 by default (large text, high contrast, slower speech); switchable on screen


class StorageConfig(Strict):
    data_dir: Path = Path("/var/lib/kiosk")
    # The AES-GCM key for personal data at rest (32 bytes, raw or base64), mode 0600. None: data_dir/storage.key,
    # created on first start; a real site points this at a file kept off the data disk.
    key_file: Path | None = None
    retention_days: int = Field(default=30, ge=1)
    database: str = Field(default="kiosk.db", pattern=r"^[A-Za-z0-9_.-]+$")
    # A cached case status opens only this soon after the applicant's identity was verified.
    reverify_window_s: float = Field(default=300, gt=0, le=3600)
    outbox_backoff_base_s: float = Field(default=1.0, gt=0, le=60)
    outbox_backoff_max_s: float = Field(default=300.0, gt=0, le=3600)
    # Gateway health probes: while online (when nothing else shows the link is up), and while offline.
    online_probe_s: float = Field(default=30.0, gt=0, le=3600)
    offline_probe_s: float = Field(default=5.0, gt=0, le=600)

    @model_validator(mode="after")
    def _backoff_order(self):
        if self.outbox_backoff_max_s < self.outbox_backoff_base_s:
            raise ValueError("outbox_backoff_max_s: must not be less than outbox_backoff_base_s")
        return self


class LoggingConfig(Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: Path | None = None
    # "json": one JSON object a line (python-json-logger) for the centre's log collector; masked all the same.
    format: Literal["text", "json"] = "text"


_SCRYPT_HASH = r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"


class StaffCredentialConfig(Strict):
    """A staff member who may enter maintenance mode: a card (ID number) or a QR code, plus a PIN, all stored as
    scrypt hashes (`python -m kiosk.maintenance hash-secret` prints one), never in clear."""

    staff_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    card_hash: str | None = Field(default=None, pattern=_SCRYPT_HASH)
    qr_hash: str | None = Field(default=None, pattern=_SCRYPT_HASH)
    pin_hash: str = Field(pattern=_SCRYPT_HASH)

    @model_validator(mode="after")
    def _one_credential(self):
        if not self.card_hash and not self.qr_hash:
            raise ValueError("a staff member needs a card_hash or a qr_hash")
        return self


class FleetConfig(Strict):
    enabled: bool = True
    heartbeat_interval_s: float = Field(default=30.0, ge=1, le=3600)
    staff: list[StaffCredentialConfig] = Field(default_factory=list)
    # Wrong PINs in a row before maintenance entry locks, and for how long.
    pin_max_failures: int = Field(default=5, ge=1, le=20)
    pin_lockout_s: float = Field(default=300, gt=0, le=86400)
    # Local time ("HH:MM") of the scheduled nightly restart (kiosk/fleet/nightly.py), at the next idle moment; None: off.
    nightly_restart: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class UpdatesConfig(Strict):
    """Software updates (kiosk/updates/): the Ed25519 public keys a release bundle must be signed with, how long a
    new release has to pass its health check, and the window in which a crash still rolls it back."""

    trusted_key_files: list[Path] = Field(default_factory=list)
    health_timeout_s: float = Field(default=120, ge=5, le=3600)
    crash_window_s: float = Field(default=300, ge=10, le=86400)


class KioskConfig(Strict):
    site: SiteConfig
    devices: DevicesConfig = DevicesConfig()
    gateway: GatewayConfig = GatewayConfig()
    session: SessionConfig = SessionConfig()
    identity: IdentityConfig = IdentityConfig()
    ui: UIConfig = UIConfig()
    storage: StorageConfig = StorageConfig()
    logging: LoggingConfig = LoggingConfig()
    fleet: FleetConfig = FleetConfig()
    updates: UpdatesConfig = UpdatesConfig()

    @model_validator(mode="after")
    def _required_devices_enabled(self):
        for name in self.site.required_devices:
            if not getattr(self.devices, name.value).enabled:
                raise ValueError(f"site.required_devices: {name.value} is required by this site but disabled")
        if self.identity.method == "card_only_demo" and not self.site.demo:
            raise ValueError("identity.method: card_only_demo is only allowed when site.demo = true")
        if not self.site.demo and not self.gateway.url.lower().startswith("https://"):
            # A real site's link carries ID numbers and payments: mutual TLS only (docs/install-kiosk.md).
            raise ValueError("gateway.url: a plain http:// gateway is only allowed when site.demo = true; "
                             "use https:// (mutual TLS)")
        document_camera = self.devices.document_camera
        if document_camera.enabled and not self.site.demo and _simulated_source(document_camera.source):
            raise ValueError("devices.document_camera.source: a video or image file (the simulator) is only "
                             "allowed when site.demo = true; name the camera's /dev/v4l/by-id/... path")
        return self


def _simulated_source(source: str) -> bool:
    """A file standing in for a camera (peripherals.camera.source decides the same way)."""
    text = source.strip()
    return not (text.isdigit() or text.startswith("/dev/") or "://" in text)
