"""Property certificate content for pre-printed blank stock, and the print step that keeps the blank ledger true.

The blank carries the form, the seal and its own serial; the kiosk prints only the entries, at positions measured
on the blank (millimetres from the top-left corner of the page; keep them configurable per stock design). Printing
goes: ledger.begin_print (journaled) -> printer -> ledger.finish_print or ledger.void_print, so whatever happens the
serial used is known and is reported to the gateway with the case.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from kiosk.documents.fonts import register_cjk_font
from kiosk.documents.ledger import BlankLedger, LedgerError, NoBlankLoaded
from peripherals.status import CompletionCode

logger = logging.getLogger(__name__)

# Entry label -> (x mm, y mm from the top) of its value on the blank.
FIELDS = (
    ("holder", "权利人", 62, 52), ("co_ownership", "共有情况", 62, 64), ("location", "坐落", 62, 76),
    ("unit_no", "不动产单元号", 62, 88), ("right_type", "权利类型", 62, 100), ("right_nature", "权利性质", 62, 112),
    ("use", "用途", 62, 124), ("area", "面积", 62, 136), ("term", "使用期限", 62, 148),
    ("other", "权利其他状况", 62, 160),
)
REQUIRED = ("certificate_no", "holder", "location", "unit_no", "right_type", "use", "area")


class CertificateDataError(ValueError):
    pass


@dataclass(frozen=True)
class CertificateContent:
    case_id: str
    entries: dict

    def validate(self) -> None:
        missing = [k for k in REQUIRED if not self.entries.get(k)]
        if missing:
            raise CertificateDataError(f"certificate data lacks {', '.join(missing)}")


def build_certificate_pdf(content: CertificateContent, blank_serial: str) -> bytes:
    """Only the entries: the printer puts them onto the blank whose serial the ledger handed out."""
    content.validate()
    font = register_cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True, initialFontName=font)
    pdf.setTitle(f"certificate {content.case_id} on {blank_serial}")
    width, height = A4
    pdf.setFont(font, 11)
    pdf.drawString(30 * mm, height - 38 * mm, str(content.entries["certificate_no"]))
    for key, _label, x, y in FIELDS:
        value = content.entries.get(key)
        if value:
            pdf.drawString(x * mm, height - y * mm, str(value)[:60])
    pdf.setFont(font, 7)
    # The blank's serial in small type in the margin ties the printed entries to the stock in an audit.
    pdf.drawRightString(width - 12 * mm, 10 * mm, f"{content.case_id} / {blank_serial}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@dataclass(frozen=True)
class CertificatePrintResult:
    code: CompletionCode
    serial: str | None
    message_key: str | None = None


def print_certificate(content: CertificateContent, ledger: BlankLedger, printer) -> CertificatePrintResult:
    """One certificate on the next blank. printer: a peripherals.printer.CertificatePrinter (print_pdf)."""
    try:
        content.validate()
    except CertificateDataError:
        return CertificatePrintResult(CompletionCode.INVALID_DATA, None, "certificate_data_invalid")
    try:
        serial = ledger.begin_print(content.case_id)  # journaled before anything reaches the printer
    except NoBlankLoaded:
        return CertificatePrintResult(CompletionCode.NO_MEDIA, None, "no_blank_certificate")
    except LedgerError:
        logger.exception("certificate ledger refused a print")
        return CertificatePrintResult(CompletionCode.HARDWARE_ERROR, None, "certificate_ledger_error")
    try:
        code = printer.print_pdf(build_certificate_pdf(content, serial), f"certificate-{serial}")
    except Exception:
        logger.exception("certificate print failed on blank %s", serial)
        code = CompletionCode.HARDWARE_ERROR
    if code == CompletionCode.SUCCESS:
        ledger.finish_print(serial)
        logger.info("certificate for case %s printed on blank %s", content.case_id, serial)
        return CertificatePrintResult(code, serial)
    ledger.void_print(serial, reason=f"print_{code.value}")
    logger.warning("certificate print on blank %s failed (%s): blank voided", serial, code.value)
    return CertificatePrintResult(code, serial, "certificate_print_failed")


def sample_certificate(case_id: str = "BJ2026-000126") -> CertificateContent:
    return CertificateContent(case_id, {
        "certificate_no": "京（2026）朝阳区不动产权第0054321号", "holder": "欧阳明", "co_ownership": "单独所有",
        "location": "北京市朝阳区建国路88号3号楼1单元1201室", "unit_no": "110105001001GB00001F00011201",
        "right_type": "国有建设用地使用权/房屋所有权", "right_nature": "出让/市场化商品房", "use": "城镇住宅用地/住宅",
        "area": "共有宗地面积 5000.00㎡/房屋建筑面积 89.50㎡", "term": "2000年01月01日起2070年01月01日止",
        "other": "",
    })
