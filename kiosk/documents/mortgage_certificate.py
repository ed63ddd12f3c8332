"""The mortgage registration proof (不动产登记证明（抵押权）) as an A4 PDF, with the verification block of the proofs.

Built from the gateway's answer to GET /v1/bank/my-mortgages/{case_id}/certificate once the registration centre has
recorded the mortgage: the proof number, the mortgagee (the bank), the mortgagor (the holder's ID number only as the
gateway masked it), the property, the secured amount and term; and, as on every proof, the issuing office, the date,
the verification code and a QR code of the gateway's public /verify/<code> page (kiosk.documents.proofs).
"""
from __future__ import annotations

import io
import logging

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from kiosk.documents.fonts import register_cjk_font
from kiosk.documents.proofs import ProofDataError, _issued, draw_verification
from pdfparts import wrap

logger = logging.getLogger(__name__)

TITLE = "不动产登记证明"
KIND = "mortgage_certificate"
REQUIRED = ("proof_id", "verification_code", "verify_url", "issued_at", "office", "holder_name", "id_number_masked",
            "certificate_no", "mortgagee", "address", "loan_amount_fen", "term_months", "recorded_on")


def _yuan(fen) -> str:
    return f"{int(fen) / 100:,.2f} 元"


def build_mortgage_certificate_pdf(certificate: dict) -> bytes:
    """certificate: the gateway's mortgage certificate JSON; a field missing raises ProofDataError, nothing prints."""
    missing = [k for k in REQUIRED if certificate.get(k) in (None, "")]
    if missing:
        raise ProofDataError(f"mortgage certificate data lacks {', '.join(missing)}")
    if certificate.get("kind", KIND) != KIND:
        raise ProofDataError(f"not a mortgage certificate: {certificate.get('kind')!r}")
    try:
        fen, months = int(certificate["loan_amount_fen"]), int(certificate["term_months"])
    except (TypeError, ValueError):
        raise ProofDataError("the secured amount and the term must be numbers") from None
    if fen <= 0 or months <= 0:
        raise ProofDataError("the secured amount and the term must be positive")
    amount = _yuan(fen)
    font = register_cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1, initialFontName=font)
    pdf.setTitle(f"{TITLE} {certificate['certificate_no']}")
    pdf.setAuthor(str(certificate["office"]))
    width, height = A4
    left, right = 25 * mm, width - 25 * mm

    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, height - 35 * mm, TITLE)
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, height - 44 * mm, str(certificate["certificate_no"]))
    pdf.setFont(font, 10)
    pdf.drawRightString(right, height - 52 * mm, f"编号：{certificate['proof_id']}")

    rows = (("证明权利或事项", certificate.get("right") or "抵押权"),
            ("权利人（抵押权人）", certificate["mortgagee"]),
            ("义务人（抵押人）", f"{certificate['holder_name']}（{certificate['id_number_masked']}）"),
            ("坐落", certificate["address"]),
            ("不动产权证书号", certificate.get("property_certificate_no") or ""),
            ("面积", f"{certificate['area_m2']} ㎡" if certificate.get("area_m2") else ""),
            ("被担保主债权数额", amount),
            ("债务履行期限", f"{months} 个月"),
            ("登记日期", _issued(certificate["recorded_on"])),
            ("业务编号", certificate.get("case_id") or ""))
    y = height - 66 * mm
    label_w = 45 * mm
    for label, value in rows:
        if not value:
            continue
        pdf.setFont(font, 11)
        pdf.drawString(left, y, label)
        pdf.setFont(font, 12)
        for line in wrap(str(value), right - left - label_w, 12):
            pdf.drawString(left + label_w, y, line)
            y -= 7 * mm
        pdf.setStrokeGray(0.8)
        pdf.line(left, y + 4.5 * mm, right, y + 4.5 * mm)
        y -= 2 * mm
    pdf.setFont(font, 10.5)
    for line in wrap("根据《不动产登记暂行条例》等有关法律法规，为保护申请人合法权益，对申请人申请登记的本证明所列"
                     "不动产权利或登记事项，经审查核实，准予登记，颁发此证明。", right - left, 10.5):
        y -= 2 * mm
        pdf.drawString(left, y, line)
        y -= 5 * mm
    draw_verification(pdf, font, certificate, left, "本证明记载的抵押权以不动产登记簿为准。")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def sample_mortgage_certificate() -> dict:
    """Invented data for the tests (the demo person 林曼努; ID number already masked)."""
    code = "M4QX7TB82KZP"
    return {"proof_id": "PMMTG0A1B2C3D4E", "kind": KIND, "verification_code": code,
            "verify_url": f"https://gateway.example/verify/{code}", "issued_at": "2026-11-23T10:30:00+08:00",
            "office": "深圳市不动产登记中心", "holder_name": "林曼努", "id_number_masked": "4403**********3458",
            "certificate_no": "粤(2026)深圳市不动产证明第0000001号", "case_id": "MTG0A1B2C3D4E", "right": "抵押权",
            "mortgagee": "中国建设银行 示范支行", "address": "广东省深圳市南山区幸福路8号2单元301室", "area_m2": "89.50",
            "property_certificate_no": "粤(2024)深圳市不动产权第0012345号", "loan_amount_fen": 150_000_000,
            "term_months": 360, "recorded_on": "2026-11-23"}
