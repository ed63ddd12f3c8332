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
from pathlib import Path

from kiosk import events as ev
from kiosk.flows import FlowServices, default_flows
from kiosk.logs import configure_logging
from kiosk.runtime import Runtime
from kiosk.session import Session

logger = logging.getLogger(__name__)


@dataclass
class Kiosk:
    """The running core: what run_kiosk starts and stops."""

    session: Session
    runtime: Runtime
    platform: object | None
    devices: list = field(default_factory=list)
    offline: object | None = None  # kiosk.outbox_delivery.OfflineServices: store, connectivity, outbox delivery
    maintenance: object | None = None  # kiosk.maintenance.wiring.MaintenanceParts: staff sign-in, the desk
    fleet: object | None = None  # kiosk.fleet.FleetAgent: heartbeats and fleet commands
    locker: object | None = None  # kiosk.pickup.assembly.LockerParts at a pickup locker: .service.deposit(...)
    submitter: object | None = None  # kiosk.application_submission.ApplicationSubmitter: one-window submissions

    def start(self) -> None:
        self.runtime.start()
        if self.offline is not None:
            self.offline.start()
        if self.locker is not None:  # settles the journal from the sensors before a code can be scanned
            self.locker.start()
        for device in self.devices:
            device.start()
        if self.fleet is not None:
            self.fleet.start()
        if self.submitter is not None:
            self.submitter.start()

    def stop(self) -> None:
        if self.locker is not None:
            try:
                self.locker.stop()
            except Exception:
                logger.exception("stopping the locker failed")
        if self.fleet is not None:
            self.fleet.stop()
        for device in self.devices:
            try:
                device.stop()
            except Exception:
                logger.exception("stopping device %s failed", getattr(device, "name", device))
        self.runtime.stop()
        if self.submitter is not None:  # before the store closes: a pass under way finishes its write
            self.submitter.stop()
        if self.maintenance is not None:
            self.maintenance.close()
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


def card_reader_listener(post, staff=None):
    """Turns the card reader's events into session events; a staff card (kiosk.maintenance.StaffSignIn) stops there."""
    from peripherals.idcard import CardPlaced, CardRead, CardReadFailed, CardRemoved
    from peripherals.status import StatusChanged

    def on_event(event) -> None:
        if isinstance(event, CardRead):
            if staff is not None and staff.take_card(event.card):
                return
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


def scanner_listener(post, staff=None):
    """Turns the QR scanner's events into session events (a code, or the scanner's status); a staff QR code
    (kiosk.maintenance.StaffSignIn) stops there."""
    from peripherals.scanner import CodeScanned
    from peripherals.status import StatusChanged

    def on_event(event) -> None:
        if isinstance(event, CodeScanned):
            if staff is not None and staff.take_code(event.code):
                return
            post(ev.CodeScanned(event.code))
        elif isinstance(event, StatusChanged):
            post(ev.DeviceStatusChanged(event.device, event.status.usable, event.status.value))

    return on_event


def build_devices(config, post, staff=None) -> list:
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
            reader.add_listener(card_reader_listener(post, staff))
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
            scanner.add_listener(scanner_listener(post, staff))
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
        elif name == "certificate_printer":
            from peripherals.printer.certificate_simulator import certificate_printer_from_config

            printer = certificate_printer_from_config(device_cfg, demo=config.site.demo)
            printer.add_listener(status_listener(post))
            devices.append(printer)
        elif name == "locker":
            pass  # built with its ledger and code verifier by build_locker, once the offline store is open
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
    if config.devices.locker.enabled:
        return {}  # a locker's face check also uses its deposits' references: build_locker wires it
    from kiosk.identity.decision import decision_from_config
    from kiosk.identity.verifier import face_verifier_from_config

    # The gateway decides (kiosk.identity.decision); the kiosk holds no reference portrait.
    return {"face": face_verifier_from_config(camera, decision_from_config(config, platform), config.identity)}


def build_offline(config, platform, post):
    """The offline store, connectivity monitor and outbox delivery."""
    from kiosk.outbox_delivery import OfflineServices

    return OfflineServices.from_config(config, platform, post)


def build_submitter(platform, offline):
    """One-window submissions (kiosk.application_submission): sealed in the offline store, sent on their own thread;
    None without a gateway client."""
    if platform is None:
        return None
    from kiosk.application_submission import ApplicationSubmitter

    return ApplicationSubmitter(offline.store.store, platform)


def receipt_printer_for_jobs(raw, counters, trail):
    """The receipt printer every receipt goes to (payment receipts and pickup slips alike), built once: each job is
    counted as paper used (maintenance counters) inside the print audit record (the audit trail)."""
    from kiosk.maintenance.counters import CountedReceiptPrinter

    return None if raw is None else trail.audited_printer(CountedReceiptPrinter(raw, counters))


def build_kiosk(config, platform=None, config_path=None) -> Kiosk:
    """Session, runtime with the platform client and flows, and the devices; nothing is started yet. Every part gets
    what it needs through its constructor, in the order below (a later part is reached through a function)."""
    from kiosk.audit_trail import AuditTrail
    from kiosk.maintenance.counters import Counters
    from kiosk.maintenance.session_part import CheckStaffPin, RunDeskAction
    from kiosk.maintenance.wiring import build_maintenance, build_sign_in
    from kiosk.payment_journal import PaymentJournal
    from kiosk.runtime import EventInbox, card_only_verifier

    inbox = EventInbox()  # the core's queue: devices, the store and the flows post here before the runtime runs
    post = inbox.post
    if platform is None:
        platform = build_platform(config)
    kiosk_id = config.gateway.kiosk_id or config.site.id
    session: Session | None = None  # built once the flows are known (the menu offers only services with a flow)
    desk = None  # the maintenance desk, built once the devices are
    staff = build_sign_in(config, post, state=lambda: session.state, desk=lambda: desk)
    devices = build_devices(config, post, staff)
    verifiers = {"card_only_demo": card_only_verifier, **build_verifiers(config, platform, devices)}
    offline = build_offline(config, platform, post)
    trail = AuditTrail(offline.store.audit, kiosk_id)
    counters = Counters(Path(config.storage.data_dir) / "maintenance-counters.json")
    by_name = {getattr(d, "name", ""): d for d in devices}
    receipt_printer = receipt_printer_for_jobs(by_name.get("receipt_printer"), counters, trail)
    flow_services = FlowServices(
        receipt_printer=receipt_printer, document_printer=trail.audited_printer(by_name.get("document_printer")),
        payment_journal=PaymentJournal(offline.store.store, audit=trail.journal_hook), outbox=offline.store.outbox,
        office=config.site.name, kiosk_id=kiosk_id)
    if "certificate_printer" in by_name:  # issue 22: self-print on blank stock, with the blank ledger
        from kiosk.maintenance.wiring import open_ledger

        flow_services.certificate_printer = trail.audited_printer(by_name["certificate_printer"])
        flow_services.certificate_ledger = open_ledger(config)
    submitter = build_submitter(platform, offline)
    flow_services.application_submitter = submitter  # the application flow's way to the gateway (issue 23)
    flows = default_flows(platform, flow_services, verifier=verifiers.get(config.identity.method),
                          identity_method=config.identity.method)
    site_services = [s.value for s in config.site.services]
    missing = [s for s in site_services if s not in flows]
    if missing:
        logger.info("services without a flow in this build, not offered: %s", ", ".join(missing))
    session = Session.from_config(config, services=[s for s in site_services if s in flows])
    locker, locker_handlers = build_locker(config, platform, post, offline, receipt_printer)
    if locker is not None:  # its lock controller joins the devices (status as DeviceStatusChanged "locker")
        locker.controller.add_listener(status_listener(post))
        locker.controller.add_listener(trail.door_listener(locker.bank))  # doors opened by a pickup, staff, force
        devices.append(locker.controller)
        verifiers.update(locker_face_verifiers(config, platform, devices, locker))
    runtime = Runtime(session, platform, verifiers=verifiers, flows=flows,
                      case_cache=offline.store.cases,  # offline, a re-verified person still sees their cases
                      audit_trail=trail, inbox=inbox,
                      handlers={CheckStaffPin: staff.check_pin, **locker_handlers,
                                RunDeskAction: lambda command, post, cancelled: desk.perform(command, post),
                                **build_help_handlers(config, platform, offline.store.outbox, receipt_printer)},
                      in_order=(RunDeskAction,))  # a field chosen, then the keys typed into it
    maintenance = build_maintenance(
        config, staff, devices, counters=counters, locker=lambda: locker, outbox_depth=offline.store.outbox.depth,
        online=lambda: offline.connectivity.online, staff_id=lambda: session.staff_id, fleet=lambda: fleet,
        ledger=getattr(flows.get("certificate_print"), "ledger", None))
    desk = maintenance.desk
    session.subscribe(desk.on_view)
    fleet = build_fleet(config, platform, post, session, staff, maintenance, offline, locker, trail, config_path)
    trail.config_loaded(config, "start")
    return Kiosk(session, runtime, platform, devices, offline, maintenance=maintenance, fleet=fleet, locker=locker,
                 submitter=submitter)


def build_help_handlers(config, platform, outbox=None, receipt_printer=None) -> dict:
    """The runtime's handlers of the commands of the parts from issue 21: call staff, staff-assisted checks, ratings,
    queue tickets and the service guide (kiosk.staff_help, staff_assist, rating, hall_queue, guide)."""
    from kiosk.staff_help.requester import HelpRequester
    from kiosk.staff_help.session_part import RaiseHelpRequest

    from kiosk.staff_assist.checker import StaffAssistChecker
    from kiosk.staff_assist.session_part import CheckStaffAssist

    from kiosk.rating.delivery import RatingDelivery
    from kiosk.rating.session_part import RequestCallback, SubmitRating

    from kiosk.guide.printer import GuideSlipPrinter
    from kiosk.guide.session_part import PrintGuideSlip
    from kiosk.hall_queue.desk import QueueDesk
    from kiosk.hall_queue.session_part import IssueQueueTicket

    rating = RatingDelivery(outbox, platform, config.site.id)
    kiosk_id = config.gateway.kiosk_id or config.site.id
    return {RaiseHelpRequest: HelpRequester(platform, config.site.location).raise_request,
            CheckStaffAssist: StaffAssistChecker(platform).check,
            SubmitRating: rating.submit, RequestCallback: rating.callback,
            IssueQueueTicket: QueueDesk(platform, receipt_printer, config.site.name, kiosk_id).issue,
            PrintGuideSlip: GuideSlipPrinter(receipt_printer, config.site.name).print_slip}


def _audited_command(trail, kind: str, handler, config):
    """A fleet command handler whose every run is recorded; a reload also records the new configuration's hash."""
    if handler is None:
        return None

    def run():
        try:
            result = handler()
        except Exception as exc:  # e.g. a file that does not validate: nothing changed, recorded as refused
            trail.record("fleet_command", {"kind": kind, "ok": False, "error": type(exc).__name__})
            raise
        trail.record("fleet_command", {"kind": kind, "ok": True})
        if kind == "reload_config":
            trail.config_loaded(getattr(handler, "current", config), "reload")
        return result

    return run


def build_locker(config, platform, post, offline, receipt_printer):
    """The pickup locker's parts (kiosk.pickup) when config.devices.locker is enabled, and the runtime's handlers of
    the session's pickup commands (its Handover); (None, {}) otherwise."""
    if not config.devices.locker.enabled:
        return None, {}
    from kiosk.pickup.assembly import assemble
    from kiosk.pickup.handover import Handover
    from kiosk.pickup.service import outbox_recorder
    from kiosk.pickup.session_part import CheckPickupCode, OpenCompartment

    store = offline.store
    handover = Handover(post, outbox=store.outbox, receipt_printer=receipt_printer, office=config.site.name,
                        locker_id=config.gateway.kiosk_id or config.site.id,
                        assemble=lambda h: assemble(config, platform=platform, sealer=store.store.sealer,
                                                    record_pickup=outbox_recorder(store.outbox), handover=h))
    return handover.parts, {CheckPickupCode: handover.check_code, OpenCompartment: handover.open_compartment}


def locker_face_verifiers(config, platform, devices, locker) -> dict:
    """The locker's face check: the gateway decides or, while it cannot be reached, the deposits' references."""
    camera = next((d for d in devices if getattr(d, "name", "") == "camera"), None)
    if locker is None or config.identity.method != "face" or camera is None or platform is None \
            or not config.gateway.api_key:
        return {}
    from kiosk.identity.decision import decision_from_config
    from kiosk.identity.verifier import face_verifier_from_config
    from kiosk.pickup.references import LockerDecision, OfflineReferences

    decider = LockerDecision(decision_from_config(config, platform), OfflineReferences(locker.ledger,
                                                                                       config.gateway.api_key),
                             config.identity.face_distance_threshold)
    return {"face": face_verifier_from_config(camera, decider, config.identity)}


def build_fleet(config, platform, post, session, staff, maintenance, offline, locker, trail, config_path=None):
    """The fleet agent (kiosk.fleet.wiring) with its providers and its command handlers, each audited."""
    from kiosk.fleet.wiring import ConfigReload, build_fleet_agent, read_log_tail
    from kiosk.maintenance.wiring import stock_provider

    desk = maintenance.desk
    agent = None

    def heartbeat_devices() -> dict:
        return {row["name"]: {"status": row["status"], "reason": row["reason"]}
                for row in desk.device_rows() if row["status"] != "disabled"}

    def print_test_page() -> str:
        result = desk.tests.run("receipt_printer")
        if not result.ok:
            raise RuntimeError(result.detail)
        return result.detail

    reload = ConfigReload(config_path, config, post=post, sign_in=staff, agent_ref=lambda: agent)
    audited = lambda kind, handler: _audited_command(trail, kind, handler, config)  # noqa: E731
    central = build_central_config(config, config_path, reload, session, trail)
    updater = build_updater(config, platform, session, trail)
    agent = build_fleet_agent(
        config, platform, post, devices=heartbeat_devices, stock=stock_provider(desk),
        outbox_depth=offline.store.outbox.depth, last_error=maintenance.recent_errors.last,
        doors_open=locker.doors_open if locker is not None else None,
        print_test_page=audited("print_test_page",
                                print_test_page if "receipt_printer" in desk.tests.names() else None),
        read_logs=audited("read_logs", lambda: read_log_tail(config.logging.file, maintenance.recent_errors.recent)),
        reload_config=audited("reload_config", reload if config_path else None),
        audit_head=trail.head,  # each heartbeat reports the log's head: the gateway refuses one that goes back
        central=central)
    if agent is not None and hasattr(platform, "upload_screenshot"):
        from kiosk.fleet.remote_view import RemoteView
        from kiosk.session import State

        remote = agent.remote_view = RemoteView(idle=lambda: session.state in (State.ATTRACT, State.OUT_OF_SERVICE),
                                                upload=platform.upload_screenshot)
        agent.handlers.screenshot = remote.command
        session.subscribe(lambda _view: threading.Thread(target=remote.step, daemon=True).start()
                          if remote.waiting else None)  # a waiting screenshot is taken when the session ends
    if config.fleet.nightly_restart:
        from kiosk.fleet.nightly import NightlyRestart
        from kiosk.session import State

        nightly = NightlyRestart(config.fleet.nightly_restart, idle=lambda: session.state == State.ATTRACT,
                                 restart=lambda _reason: os.kill(os.getpid(), signal.SIGTERM)).start()
        session.subscribe(lambda _view: nightly.check())  # the moment a session ends
    if agent is not None and updater is not None:
        agent.handlers.install_update = updater.install
        agent.payload_extra = _joined(agent.payload_extra, updater.releases.report)
        agent.on_reply = _each(agent.on_reply, updater.on_reply)
        session.subscribe(lambda _view: updater.step())  # the switch waits for the attract screen
    return agent


def _joined(*providers):
    providers = [p for p in providers if p is not None]
    return lambda: {k: v for p in providers for k, v in (p() or {}).items()}


def _each(*handlers):
    handlers = [h for h in handlers if h is not None]

    def call(reply):
        for handler in handlers:
            handler(reply)
    return call


def build_updater(config, platform, session, trail):
    """Software updates (kiosk.updates) when the kiosk runs under the release launcher with trusted keys."""
    from kiosk.updates.releases import ROOT_ENV

    root = os.environ.get(ROOT_ENV)
    if not root or platform is None or not config.updates.trusted_key_files:
        return None
    from kiosk.platform_client import path_part
    from kiosk.session import State
    from kiosk.updates.health import Updater
    from kiosk.updates.releases import Releases

    def fetch(version: str, dest: Path) -> None:
        response = platform.request("GET", f"/v1/releases/{path_part(version)}/bundle", expect_json=False,
                                    retry=True, timeout_s=120)
        dest.write_bytes(response.content)

    return Updater(Releases(Path(root)), config.updates.trusted_key_files, fetch=fetch,
                   idle=lambda: session.state == State.ATTRACT, window_s=config.updates.crash_window_s)


def build_central_config(config, config_path, reload, session, trail):
    """Central configuration from the heartbeat reply (kiosk.fleet.central_config), applied when the session is
    back on the attract screen; a change of devices restarts the process (systemd starts it again)."""
    if not config_path:
        return None
    from config.central import load_raw
    from kiosk.fleet.central_config import CentralConfig
    from kiosk.session import State

    def apply(new) -> str:
        outcome = reload.apply(new)
        trail.config_loaded(new, "central")
        return outcome

    central = CentralConfig(load_raw(config_path), config.storage.data_dir, apply=apply,
                            restart=lambda _reason: os.kill(os.getpid(), signal.SIGTERM),
                            idle=lambda: session.state == State.ATTRACT, audit=trail.record)
    session.subscribe(lambda _view: central.step())  # the moment a session ends
    return central

def run_kiosk(config, headless: bool = False, config_path=None, ui_control=None) -> int:
    """Runs the kiosk until stopped. `ui_control(app)` (tests and demo only, from kiosk_testkit.kiosk_main) makes the
    channel that drives the UI (start, stop, ready); a site that is not a demo refuses it, and no environment
    variable turns it on."""
    from kiosk.cli import CliError

    if ui_control is not None and not config.site.demo:
        raise CliError("the UI control channel is for demo and test sites only (site.demo = true)")

    configure_logging(config.logging.level, config.logging.file, config.logging.format == "json")
    font = None
    if not headless:
        from screens.fonts import FontNotFound, find_font

        try:
            font = find_font(config.ui.font_path)
        except FontNotFound as exc:
            raise CliError(str(exc)) from None
    from offline_cache.errors import OfflineCacheError

    try:
        kiosk = build_kiosk(config, config_path=config_path)
    except OfflineCacheError as exc:  # e.g. a bad key file: one line, never a traceback
        raise CliError(str(exc)) from None
    if headless:
        return _run_headless(kiosk, config)
    return _run_ui(kiosk, config, font, ui_control)


def _update_health(kiosk: Kiosk, config, drawn) -> None:
    """Under the release launcher, a trial release checks its health (kiosk.updates.health) and confirms itself or
    rolls back."""
    from kiosk.updates.health import UpdateHealth, kiosk_checks

    health = UpdateHealth.from_env(kiosk_checks(kiosk, config, drawn), timeout_s=config.updates.health_timeout_s)
    if health is not None:
        health.start()


def _run_headless(kiosk: Kiosk, config) -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    kiosk.start()
    _update_health(kiosk, config, drawn=lambda: True)  # headless: no screen to draw
    logger.info("kiosk core running headless")
    try:
        stop.wait()
    finally:
        kiosk.stop()
    return 0


def _run_ui(kiosk: Kiosk, config, font, ui_control=None) -> int:
    from screens.window import configure_kivy

    configure_kivy(config.ui)
    from kivy.clock import Clock

    from screens.app import KioskApp

    control = None
    drawn = threading.Event()

    def on_ready():
        drawn.set()
        if control:
            control.ready = True
    app = KioskApp(config.ui, kiosk.runtime.post, kiosk.session.view(), font, on_ready=on_ready,
                   required_devices=[d.value for d in config.site.required_devices],
                   camera_preview=kiosk.maintenance.preview if kiosk.maintenance else None)
    kiosk.session.subscribe(app.bridge)
    speaker = None
    if config.ui.speech:  # spoken prompts: espeak-ng in a subprocess, from the speaker's own thread
        from kiosk.speech import Speaker, SpokenPrompts

        speaker = Speaker(output_dir=os.environ.get("KIOSK_SPEECH_WAV_DIR") or None).start()
        kiosk.session.subscribe(SpokenPrompts(speaker))
    if ui_control is not None:
        control = ui_control(app)
        control.start()
    signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda _dt: app.stop(), 0))
    kiosk.start()
    _update_health(kiosk, config, drawn=drawn.is_set)
    if getattr(kiosk.fleet, "remote_view", None) is not None:  # staff's screenshots come from this window
        from screens.screen_capture import capture_png

        # Only the attract and out-of-service screens, as drawn (checked on the Kivy thread, before the read).
        kiosk.fleet.remote_view.capture = lambda: capture_png(
            allowed=lambda: app.manager.current in ("attract", "out_of_service"))
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
