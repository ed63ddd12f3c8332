"""Proofs of the property record and of owning no property, as A4 PDF with an embedded CJK font.

Built from the gateway's answer to POST /v1/proofs: the issuing office, the date, the verification code and a QR
code of verify_url (the gateway's public /verify/<code> page) let anyone check the paper against the registry. The
holder's ID number is printed in full (an official proof) when the kiosk has it from the card just read, else as
the gateway masked it.
"""
from __future__ import annotations

import io
import logging
from datetime import datetime

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from catalog.beijing_time import BEIJING
from kiosk.documents.fonts import register_cjk_font
from pdfparts import wrap

logger = logging.getLogger(__name__)

KINDS = {"property_record": "不动产登记资料查询结果证明", "no_property": "无不动产登记记录证明"}
REQUIRED = ("proof_id", "verification_code", "verify_url", "issued_at", "office", "holder_name",
            "id_number_masked")
PROPERTY_LABELS = (("certificate_no", "不动产权证号"), ("unit_no", "不动产单元号"), ("location", "坐落"),
                   ("address", "坐落"), ("right_type", "权利类型"), ("use", "用途"), ("area_m2", "面积（㎡）"),
                   ("registered_on", "登记日期"), ("encumbrance", "抵押/查封"))
QR_SIDE = 40 * mm


class ProofDataError(ValueError):
    """The proof data from the gateway lacks a field; nothing is printed."""


def _issued(value) -> str:
    """The day of issue in Beijing time (the gateway writes UTC: 20:00Z is already the next day in Beijing)."""
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    return (value.astimezone(BEIJING) if value.tzinfo else value).strftime("%Y年%m月%d日")


def same_number(full: str, masked: str) -> bool:
    """The full ID number is the one the gateway masked: same length, and every unmasked character agrees."""
    return len(full) == len(masked) and all(m == "*" or m == f for f, m in zip(full, masked))


def build_proof_pdf(kind: str, proof: dict, id_number: str | None = None) -> bytes:
    """kind: property_record | no_property; proof: the gateway's proof JSON. id_number: the holder's own number
    from the card just read; an official proof shows it in full (when it is the number the gateway masked)."""
    if kind not in KINDS:
        raise ProofDataError(f"unknown proof kind {kind!r}")
    missing = [k for k in REQUIRED if not proof.get(k)]
    if missing:
        raise ProofDataError(f"proof data lacks {', '.join(missing)}")
    properties = list(proof.get("properties") or [])
    if kind == "no_property" and properties:
        raise ProofDataError("a proof of no property cannot list properties")
    font = register_cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1, initialFontName=font)
    pdf.setTitle(f"{KINDS[kind]} {proof['proof_id']}")
    pdf.setAuthor(str(proof["office"]))
    width, height = A4
    left, right = 25 * mm, width - 25 * mm

    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 35 * mm, KINDS[kind])
    pdf.setFont(font, 10)
    pdf.drawRightString(right, height - 45 * mm, f"编号：{proof['proof_id']}")

    y = height - 60 * mm
    pdf.setFont(font, 12)
    masked = proof["id_number_masked"]
    shown_id = id_number if id_number and same_number(id_number, masked) else masked
    for label, value in (("权利人", proof["holder_name"]), ("证件号码", shown_id)):
        pdf.drawString(left, y, f"{label}：{value}")
        y -= 8 * mm
    y -= 4 * mm
    if kind == "no_property":
        for line in wrap(f"经查询，截至{_issued(proof['issued_at'])}，本登记机构的不动产登记簿中"
                         f"未记载上述权利人名下的不动产登记信息。", right - left, 12):
            pdf.drawString(left, y, line)
            y -= 7 * mm
    else:
        pdf.drawString(left, y, f"经查询，上述权利人名下记载的不动产登记信息共 {len(properties)} 条：")
        y -= 9 * mm
        pdf.setFont(font, 10.5)
        for number, prop in enumerate(properties, 1):
            pdf.drawString(left, y, f"{number}.")
            for key, label in PROPERTY_LABELS:
                if prop.get(key) not in (None, ""):
                    for line in wrap(f"{label}：{prop[key]}", right - left - 8 * mm, 10.5):
                        pdf.drawString(left + 8 * mm, y, line)
                        y -= 6 * mm
            y -= 3 * mm
            if y < 95 * mm:
                pdf.showPage()
                pdf.setFont(font, 10.5)
                y = height - 30 * mm
        pdf.setFont(font, 12)

    draw_verification(pdf, font, proof, left, "本证明仅反映出具时不动产登记簿的记载情况。")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def draw_verification(pdf, font: str, proof: dict, left: float, footer: str) -> None:
    """The verification block of every verifiable document: office, date, code, and a QR of the public page."""
    base = 30 * mm
    drawing = Drawing(QR_SIDE, QR_SIDE)
    widget = QrCodeWidget(proof["verify_url"], barLevel="M", barBorder=4)
    widget.barWidth = widget.barHeight = QR_SIDE
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, left, base)
    text_x = left + QR_SIDE + 8 * mm
    pdf.setFont(font, 11)
    pdf.drawString(text_x, base + 30 * mm, f"出具机构：{proof['office']}")
    pdf.drawString(text_x, base + 22 * mm, f"出具日期：{_issued(proof['issued_at'])}")
    pdf.drawString(text_x, base + 14 * mm, f"验证码：{proof['verification_code']}")
    pdf.setFont(font, 9)
    pdf.drawString(text_x, base + 6 * mm, "扫描左侧二维码或访问以下网址核验本证明真伪：")
    pdf.drawString(text_x, base + 1 * mm, str(proof["verify_url"]))
    pdf.setFont(font, 8)
    pdf.drawCentredString(A4[0] / 2, 15 * mm, footer)


def sample_proof(kind: str = "property_record") -> dict:
    """Invented proof data for the CLI sample and the tests (the demo person 欧阳明; ID number already masked)."""
    code = "V7K2-9QXM-4TB8"
    return {
        "proof_id": "PF-20261123-0001", "verification_code": code,
        "verify_url": f"https://gateway.example/verify/{code}", "issued_at": "2026-11-23T10:30:00+08:00",
        "office": "北京市朝阳区不动产登记中心", "holder_name": "欧阳明", "id_number_masked": "1101**********1235",
        "properties": [] if kind == "no_property" else [
            {"certificate_no": "京（2020）朝阳区不动产权第0012345号", "unit_no": "110105001001GB00001F00011201",
             "location": "北京市朝阳区建国路88号3号楼1单元1201室", "right_type": "国有建设用地使用权/房屋所有权",
             "use": "住宅", "area_m2": "89.50", "registered_on": "2020-06-18", "encumbrance": "无"}],
    }
