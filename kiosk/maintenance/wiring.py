"""Wires maintenance mode into a kiosk process: staff sign-in, the desk with its self-tests, counters and stock."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.maintenance.counters import Counters
from kiosk.maintenance.desk import MaintenanceDesk
from kiosk.maintenance.errors import RecentErrors
from kiosk.maintenance.preview import CameraPreview
from kiosk.maintenance.selftests import SelfTests, receipt_test_page
from kiosk.maintenance.signin import StaffSignIn
from kiosk.maintenance.staff import StaffGate

logger = logging.getLogger(__name__)


@dataclass
class MaintenanceParts:
    sign_in: StaffSignIn
    desk: MaintenanceDesk
    counters: Counters
    recent_errors: RecentErrors
    ledger: object | None = None  # kiosk.documents.ledger.BlankLedger, when this process opened it
    preview: object | None = None  # kiosk.maintenance.preview.CameraPreview: the camera page's frames, or None

    def close(self) -> None:
        logging.getLogger().removeHandler(self.recent_errors)
        self.desk.close()
        if self.ledger is not None:
            self.ledger.close()


def build_sign_in(config, post, state: Callable[[], object], desk: Callable[[], object] = lambda: None
                  ) -> StaffSignIn:
    """Before the devices: their listeners ask it about every card and code (desk: the maintenance desk, built
    later, for the card and scanner tests in maintenance mode)."""
    return StaffSignIn(StaffGate.from_config(config.fleet), post, state, desk)


def device_rows(config, devices, locker: Callable[[], object | None] = lambda: None) -> Callable[[], list[dict]]:
    """Every configured device with its status; a disabled one (or one without a driver here) says so."""
    from kiosk.fleet.agent import device_report

    def rows() -> list[dict]:
        by_name = {getattr(d, "name", ""): d for d in devices}
        parts = locker()
        if parts is not None and "locker" not in by_name and hasattr(parts.controller, "status"):
            by_name["locker"] = parts.controller
        out = []
        for name in type(config.devices).model_fields:
            device = by_name.get(name)
            if device is not None:
                report = device_report(device)
                usable = bool(getattr(device.status, "usable", False))
            else:
                enabled = getattr(config.devices, name).enabled
                report, usable = {"status": "no_driver" if enabled else "disabled", "reason": ""}, False
            out.append({"name": name, **report, "usable": usable})
        return out
    return rows


def document_test_page(printer, kiosk_id: str, version: str) -> Callable[[], tuple[bool, str]]:
    """A one-page test PDF for the document printer."""
    def test() -> tuple[bool, str]:
        import io

        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        buffer = io.BytesIO()
        page = canvas.Canvas(buffer, pagesize=A4)
        page.setFont("Helvetica-Bold", 24)
        page.drawString(72, 760, "TEST PAGE")
        page.setFont("Helvetica", 14)
        for i, line in enumerate((f"kiosk {kiosk_id}", f"version {version}",
                                  dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))):
            page.drawString(72, 720 - 24 * i, line)
        page.rect(72, 300, 451, 300)
        page.showPage()
        page.save()
        code = printer.print_pdf(buffer.getvalue(), "test-page")
        return code.value == "success", f"test page: {code.value}"
    return test


def build_self_tests(devices, kiosk_id: str, version: str) -> SelfTests:
    tests = SelfTests()
    by_name = {getattr(d, "name", ""): d for d in devices}
    if "receipt_printer" in by_name:
        tests.add("receipt_printer", receipt_test_page(by_name["receipt_printer"], kiosk_id, version))
    for name in ("document_printer", "certificate_printer"):
        if name in by_name and hasattr(by_name[name], "print_pdf"):
            tests.add(name, document_test_page(by_name[name], kiosk_id, version))
    return tests


def open_ledger(config):
    """The blank-certificate ledger when this site has a certificate printer."""
    if not config.devices.certificate_printer.enabled:
        return None
    from kiosk.documents.ledger import BlankLedger

    return BlankLedger.from_config(config.devices.certificate_printer, config.storage)


def stock_provider(desk: MaintenanceDesk) -> Callable[[], dict]:
    """The heartbeat's stock: paper used and jobs today, and blanks left where there is a certificate printer (the
    gateway alerts on a low count, so a kiosk without one sends none)."""
    def stock() -> dict:
        counters = desk.counters.snapshot()
        out = {"paper_used_mm": counters["paper_used_mm"], "jobs_today": counters["jobs_today_total"],
               "paper_loaded_at": counters["paper_loaded_at"]}
        blanks = desk.blanks()
        if blanks.get("kept"):
            out["blank_certificates"] = blanks.get("remaining")
        return out
    return stock


def build_maintenance(config, sign_in: StaffSignIn, devices, *, outbox_depth=None, online=None,
                      locker: Callable[[], object | None] = lambda: None, ledger=None,
                      staff_id: Callable[[], str | None] | None = None, version: str | None = None,
                      counters: Counters | None = None, fleet: Callable[[], object | None] = lambda: None
                      ) -> MaintenanceParts:
    """The desk and its parts; attaches the recent-errors handler to the root logger (removed by close()).
    counters: the maintenance counters the receipt printer counts paper in (default: opened here)."""
    from kiosk import __version__

    version = version or __version__
    kiosk_id = config.gateway.kiosk_id or config.site.id
    recent = RecentErrors()
    logging.getLogger().addHandler(recent)
    if counters is None:
        counters = Counters(Path(config.storage.data_dir) / "maintenance-counters.json")
    opened = None
    if ledger is None:
        try:
            ledger = opened = open_ledger(config)
        except Exception as exc:  # maintenance must still open when the ledger cannot: it shows as unknown
            logger.error("blank-certificate ledger could not be opened: %s", type(exc).__name__)
    camera = next((d for d in devices if getattr(d, "name", "") == "camera"), None)
    preview = CameraPreview(camera) if camera is not None else None
    desk = MaintenanceDesk(device_rows=device_rows(config, devices, locker), counters=counters,
                           tests=build_self_tests(devices, kiosk_id, version), recent_errors=recent,
                           outbox_depth=outbox_depth, online=online, ledger=ledger, locker=locker, camera=camera,
                           kiosk_id=kiosk_id, version=version, staff_id=staff_id, fleet=fleet,
                           preview=preview, blanks_kept=config.devices.certificate_printer.enabled)
    return MaintenanceParts(sign_in, desk, counters, recent, opened, preview)
