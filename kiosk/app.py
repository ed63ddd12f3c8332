"""Assembles the kiosk process: logging, session, runtime, platform client, flows, devices, then the touch UI.

`build_kiosk(config)` wires the headless core (tested without a screen); `run_kiosk(config, headless)` runs it, with
the Kivy app on the main thread unless headless. Kivy is imported only on the UI path.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass, field

from kiosk import events as ev
from kiosk.flows import FlowServices, default_flows
from kiosk.logs import configure_logging
from kiosk.runtime import Runtime
from kiosk.session import Session

logger = logging.getLogger(__name__)

CONTROL_ENV = "KIOSK_UI_CONTROL"  # test/demo control channel, see screens/control.py


@dataclass
class Kiosk:
    """The running core: what run_kiosk starts and stops."""

    session: Session
    runtime: Runtime
    platform: object | None
    devices: list = field(default_factory=list)
    offline: object | None = None  # kiosk.outbox_delivery.OfflineServices: store, connectivity, outbox delivery

    def start(self) -> None:
        self.runtime.start()
        if self.offline is not None:
            self.offline.start()
        for device in self.devices:
            device.start()

    def stop(self) -> None:
        for device in self.devices:
            try:
                device.stop()
            except Exception:
                logger.exception("stopping device %s failed", getattr(device, "name", device))
        self.runtime.stop()
        if self.offline is not None:  # last: the store may still receive what the runtime finished with
            self.offline.stop()


def build_platform(config):
    """The gateway client from config.gateway, or None (the kiosk then says the platform is unavailable)."""
    gateway = config.gateway
    if not gateway.api_key:
        logger.warning("gateway.api_key is not set: personal services will say the platform is unavailable")
        return None
    from kiosk.platform_client import PlatformClient
    client_cert = None
    if gateway.client_cert is not None:
        client_cert = (str(gateway.client_cert), str(gateway.client_key)) if gateway.client_key else str(
            gateway.client_cert)
    return PlatformClient(gateway.url, gateway.api_key, timeout_s=gateway.timeout_s, kiosk_id=gateway.kiosk_id,
                          client_cert=client_cert, ca_cert=str(gateway.ca_cert) if gateway.ca_cert else None)


def status_listener(post):
    """A device's StatusChanged as the session's DeviceStatusChanged."""
    from peripherals.status import StatusChanged

    def on_event(event) -> None:
        if isinstance(event, StatusChanged):
            post(ev.DeviceStatusChanged(event.device, event.status.usable, event.status.value))

    return on_event


def card_reader_listener(post):
    """Turns the card reader's events into session events."""
    from peripherals.idcard import CardPlaced, CardRead, CardReadFailed, CardRemoved
    from peripherals.status import StatusChanged

    def on_event(event) -> None:
        if isinstance(event, CardRead):
            post(ev.CardRead(event.card))
        elif isinstance(event, CardRemoved):
            post(ev.CardRemoved())
        elif isinstance(event, CardPlaced):
            post(ev.UserActivity())
        elif isinstance(event, CardReadFailed):
            logger.info("card could not be read (%s)", event.code.value)
            post(ev.UserActivity())
        elif isinstance(event, StatusChanged):
            post(ev.DeviceStatusChanged(event.device, event.status.usable, event.status.value))

    return on_event


def scanner_listener(post):
    """Turns the QR scanner's events into session events (a code, or the scanner's status)."""
    from peripherals.scanner import CodeScanned
    from peripherals.status import StatusChanged

    def on_event(event) -> None:
        if isinstance(event, CodeScanned):
            post(ev.CodeScanned(event.code))
        elif isinstance(event, StatusChanged):
            post(ev.DeviceStatusChanged(event.device, event.status.usable, event.status.value))

    return on_event


def build_devices(config, post) -> list:
    """The devices this build drives; every other device is reported unusable so no service relies on it."""
    devices = []
    cfg = config.devices
    for name in type(cfg).model_fields:
        device_cfg = getattr(cfg, name)
        if not device_cfg.enabled:
            post(ev.DeviceStatusChanged(name, False, "disabled"))
        elif name == "card_reader":
            from peripherals.idcard import CardReader

            reader = CardReader(device_cfg.port, baud=device_cfg.baud, poll_interval_s=device_cfg.poll_interval_s,
                                timeout_s=device_cfg.timeout_s, name="card_reader")
            reader.add_listener(card_reader_listener(post))
            devices.append(reader)
        elif name == "camera":
            from peripherals.camera import camera_from_config

            camera = camera_from_config(device_cfg)
            camera.add_listener(status_listener(post))
            devices.append(camera)
        elif name == "scanner":
            from peripherals.scanner import make_scanner

            scanner = make_scanner(device_cfg.mode, device_cfg.port, baud=device_cfg.baud,
                                   idle_gap_s=device_cfg.idle_gap_ms / 1000, encoding=device_cfg.encoding,
                                   name="scanner")
            scanner.add_listener(scanner_listener(post))
            devices.append(scanner)
        elif name == "receipt_printer":
            from peripherals.printer import ReceiptPrinter

            printer = ReceiptPrinter.from_config(device_cfg)
            printer.add_listener(status_listener(post))
            devices.append(printer)
        elif name == "document_printer":
            from peripherals.printer import DocumentPrinter

            printer = DocumentPrinter.from_config(device_cfg)
            printer.add_listener(status_listener(post))
            devices.append(printer)
        else:
            logger.warning("device %s is enabled but this build has no driver wired for it", name)
            post(ev.DeviceStatusChanged(name, False, "no_driver"))
    return devices


def build_verifiers(config, platform, devices) -> dict:
    """The face verifier when identity.method is "face" (card-only demo verification is the runtime's own)."""
    if config.identity.method != "face":
        return {}
    camera = next((d for d in devices if getattr(d, "name", "") == "camera"), None)
    if camera is None:
        logger.error("identity.method is face but the camera is disabled: applicants will be sent to staff")
        return {}
    from kiosk.identity.reference import portrait_source_from_config
    from kiosk.identity.verifier import face_verifier_from_config

    return {"face": face_verifier_from_config(camera, portrait_source_from_config(config, platform),
                                              config.identity)}


def build_offline(config, platform, post):
    """The offline store, connectivity monitor and outbox delivery."""
    from kiosk.outbox_delivery import OfflineServices

    return OfflineServices.from_config(config, platform, post)


def wire_flow_services(services: FlowServices, devices, offline) -> None:
    """Hand the printers and the payment journal (in the offline store) to the flows that need them."""
    by_name = {getattr(d, "name", ""): d for d in devices}
    services.receipt_printer = by_name.get("receipt_printer")
    services.document_printer = by_name.get("document_printer")
    if offline is not None:
        from kiosk.payment_journal import PaymentJournal

        services.payment_journal = PaymentJournal(offline.store.store)
        services.outbox = offline.store.outbox


def build_kiosk(config, platform=None) -> Kiosk:
    """Session, runtime with the platform client and flows, and the devices; nothing is started yet."""
    session = Session.from_config(config)
    if platform is None:
        platform = build_platform(config)
    flow_services = FlowServices(office=config.site.name, kiosk_id=config.gateway.kiosk_id or config.site.id)
    flows = default_flows(platform, flow_services)
    # The menu offers only services this build can run; the others are added as their flows arrive.
    missing = [s for s in session.services if s not in flows]
    if missing:
        logger.info("services without a flow in this build, not offered: %s", ", ".join(missing))
    session.services = tuple(s for s in session.services if s in flows)
    runtime = Runtime(session, platform, flows=flows)
    devices = build_devices(config, runtime.post)
    runtime.verifiers.update(build_verifiers(config, platform, devices))
    if hasattr(flows.get("mortgage_signing"), "attach"):  # each party's card and face check
        flows["mortgage_signing"].attach(devices, runtime.verifiers, config.identity.method)
    offline = build_offline(config, platform, runtime.post)
    runtime.case_cache = offline.store.cases  # offline, a re-verified person still sees their cases
    wire_flow_services(flow_services, devices, offline)
    return Kiosk(session, runtime, platform, devices, offline)


def run_kiosk(config, headless: bool = False) -> int:
    from kiosk.cli import CliError

    configure_logging(config.logging.level, config.logging.file)
    font = None
    if not headless:
        from screens.fonts import FontNotFound, find_font

        try:
            font = find_font(config.ui.font_path)
        except FontNotFound as exc:
            raise CliError(str(exc)) from None
    from offline_cache.errors import OfflineCacheError

    try:
        kiosk = build_kiosk(config)
    except OfflineCacheError as exc:  # e.g. a bad key file: one line, never a traceback
        raise CliError(str(exc)) from None
    if headless:
        return _run_headless(kiosk)
    return _run_ui(kiosk, config, font)


def _run_headless(kiosk: Kiosk) -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    kiosk.start()
    logger.info("kiosk core running headless")
    try:
        stop.wait()
    finally:
        kiosk.stop()
    return 0


def _run_ui(kiosk: Kiosk, config, font) -> int:
    from screens.window import configure_kivy

    configure_kivy(config.ui)
    from kivy.clock import Clock

    from screens.app import KioskApp

    control = None
    app = KioskApp(config.ui, kiosk.runtime.post, kiosk.session.view(), font,
                   on_ready=lambda: setattr(control, "ready", True) if control else None,
                   required_devices=[d.value for d in config.site.required_devices])
    kiosk.session.subscribe(app.bridge)
    speaker = None
    if config.ui.speech:  # spoken prompts: espeak-ng in a subprocess, from the speaker's own thread
        from kiosk.speech import Speaker, SpokenPrompts

        speaker = Speaker(output_dir=os.environ.get("KIOSK_SPEECH_WAV_DIR") or None).start()
        kiosk.session.subscribe(SpokenPrompts(speaker))
    if os.environ.get(CONTROL_ENV):
        from screens.control import ControlServer

        control = ControlServer(os.environ[CONTROL_ENV], app)
        control.start()
    signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda _dt: app.stop(), 0))
    kiosk.start()
    try:
        app.run()
    except KeyboardInterrupt:
        pass
    finally:
        if control is not None:
            control.stop()
        if speaker is not None:
            speaker.stop()
        kiosk.stop()
    logger.info("kiosk stopped")
    return 0
