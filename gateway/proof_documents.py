"""The official documents the registration centre seals, as A4 PDF in Chinese or English: the property-record proof
(the whole register entry), the no-property proof, the mortgage registration proof and the acceptance receipt (受理回执).

Each names itself in its Keywords (gateway.seal.document_keywords) and leaves SEAL_BOX free on its last page for the
seal; gateway.sealed_documents builds and seals them. The ID number is printed only masked.
"""
from __future__ import annotations

import datetime as dt
import io
import logging

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from gateway.casework import CHINA
from gateway.national_formats import FormatRefused, parse_unit_number
from gateway.register_entry import PURPOSES, restriction_words
from gateway.seal import document_keywords
from pdfparts import register_cjk_font

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = A4
LEFT, RIGHT = 22 * mm, WIDTH - 22 * mm
# Where the seal goes on the last page (points: x1, y1, x2, y2): over the issuing office and date, as on paper.
SEAL_BOX = (RIGHT - 46 * mm, 26 * mm, RIGHT - 4 * mm, 68 * mm)
BOTTOM = 80 * mm  # the verification block and the seal sit below this on the last page
QR_SIDE = 34 * mm
LANGUAGES = ("zh", "en")

TITLES = {
    "property_record": ("不动产登记资料查询结果证明", "Certificate of Property Registration Records"),
    "no_property": ("无不动产登记记录证明", "Certificate of No Registered Property"),
    "mortgage_certificate": ("不动产登记证明（抵押权）", "Property Registration Certificate (Mortgage)"),
    "acceptance_receipt": ("不动产登记受理回执", "Acknowledgement of Receipt of a Registration Application"),
}
LABELS = {
    "number": ("编号", "No."), "holder": ("权利人", "Right holder"), "id": ("证件号码", "ID number"),
    "purpose": ("查询目的", "Purpose"), "scope": ("查询范围", "Scope"),
    "scope_all": ("名下全部不动产", "All registered property"), "scope_some": ("指定不动产 {n} 处", "{n} property(ies) chosen"),
    "certificate_no": ("不动产权证书号", "Certificate No."), "proof_no": ("不动产登记证明号", "Registration proof No."), "unit_no": ("不动产单元号", "Unit No."),
    "share": ("共有情况", "Ownership"), "address": ("坐落", "Location"), "right_type": ("权利类型", "Right"),
    "usage": ("用途", "Use"), "area": ("面积", "Area"), "term": ("使用期限", "Term"),
    "registered_on": ("登记日期", "Registered on"), "restrictions": ("限制状况", "Restrictions in force"),
    "none": ("无", "None"), "office": ("出具机构", "Issued by"), "issued": ("出具日期", "Issued on"),
    "code": ("验证码", "Verification code"),
    "verify": ("扫描二维码或访问以下网址核验；电子文件可上传至该网址核验电子签章：",
               "Scan the QR code or visit this address to verify; upload the file there to check its seal:"),
    "mortgagee": ("权利人（抵押权人）", "Mortgagee"), "mortgagor": ("义务人（抵押人）", "Mortgagor"),
    "property_certificate_no": ("不动产权证书号", "Property certificate No."), "amount": ("被担保主债权数额", "Secured amount"),
    "loan_term": ("债务履行期限", "Term of the debt"), "right": ("证明权利或事项", "Right or matter"),
    "case_id": ("业务编号", "Case No."), "kind": ("登记类型", "Registration"), "applicant": ("申请人", "Applicant"),
    "received_on": ("受理日期", "Received on"), "due": ("承诺办结日期", "To be completed by"),
    "limit": ("法定办理时限", "Statutory time limit"),
}
FOOTERS = {
    "property_record": ("本证明仅反映出具时不动产登记簿的记载情况。",
                        "This certificate shows the land register as it stood when it was issued."),
    "no_property": ("本证明仅反映出具时不动产登记簿的记载情况。",
                    "This certificate shows the land register as it stood when it was issued."),
    "mortgage_certificate": ("本证明记载的抵押权以不动产登记簿为准。",
                             "The land register prevails over this certificate."),
    "acceptance_receipt": ("请凭本回执查询办理进度、领取证书。", "Keep this receipt to follow the case and collect the certificate."),
}


class DocumentDataError(ValueError):
    """The record lacks what the document must print; nothing is built."""


def _t(key: str, language: str) -> str:
    return LABELS[key][LANGUAGES.index(language)]


def _labelled(key: str, value, language: str) -> str:
    return f"{_t(key, language)}{'：' if language == 'zh' else ': '}{value}"


def _day(value, language: str) -> str:
    if isinstance(value, dt.datetime):
        value = value.astimezone(CHINA).date()
    elif isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%Y年%m月%d日") if language == "zh" else value.isoformat()


def _yuan(fen: int, language: str) -> str:
    return f"{fen / 100:,.2f} 元" if language == "zh" else f"CNY {fen / 100:,.2f}"


_BREAK_AFTER = " ，,；;、）)"
_NUMERIC = frozenset("0123456789.,-:")


def fit(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of text no wider than width points, broken after a space or punctuation where one is near the end
    (so an amount or a date stays whole), else between any two characters (CJK has no spaces)."""
    lines: list[str] = []
    rest = str(text)
    while rest:
        end = len(rest)
        while end > 1 and stringWidth(rest[:end], font, size) > width:
            end -= 1
        if end < len(rest):
            soft = next((i for i in range(end - 1, int(end * 0.6) - 1, -1) if rest[i] in _BREAK_AFTER
                         and not _inside_number(rest, i) and not rest[i + 1:].lstrip().startswith("元")), None)
            if soft is not None:
                end = soft + 1
            else:  # between characters, but never inside a number or a date
                start = end
                while end > 1 and rest[end - 1] in _NUMERIC and rest[end] in _NUMERIC:
                    end -= 1
                end = end if end > 1 else start
        lines.append(rest[:end].rstrip())
        rest = rest[end:].lstrip()
    return lines or [""]


def _inside_number(text: str, i: int) -> bool:
    """The character at i joins digits on both sides (the comma of 1,500,000)."""
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


class _Document:
    """A4 pages written top-down: label/value rows, wrapped; a new page when the next row would reach the bottom."""

    def __init__(self, kind: str, language: str, keywords: str, number: str):
        if language not in LANGUAGES:
            raise DocumentDataError(f"unknown language {language!r}")
        self.kind, self.language = kind, language
        self.font = register_cjk_font()
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, invariant=True, pageCompression=1,
                                 initialFontName=self.font)
        title = TITLES[kind][LANGUAGES.index(language)]
        self.pdf.setTitle(f"{title} {number}")
        self.pdf.setKeywords(keywords)
        self.pdf.setFont(self.font, 19 if language == "zh" else 16)
        self.pdf.drawCentredString(WIDTH / 2, HEIGHT - 30 * mm, title)
        self.pdf.setFont(self.font, 9.5)
        self.pdf.drawRightString(RIGHT, HEIGHT - 38 * mm, _labelled("number", number, language))
        self.y = HEIGHT - 50 * mm
        self.label_w = 34 * mm if language == "zh" else 42 * mm

    def _room(self, needed: float) -> None:
        if self.y - needed < 25 * mm:
            self.pdf.showPage()
            self.y = HEIGHT - 25 * mm

    def keep_together(self, rows: list[tuple[str | None, object, float]], heading: bool = True) -> None:
        """Starts a new page unless these rows (and a heading) fit on this one; a block longer than a page flows."""
        needed = (14 * mm if heading else 0) + sum(
            6 * mm * len(fit(str(value), self.font, 11, RIGHT - LEFT - indent - self.label_w))
            for _key, value, indent in rows if value not in (None, ""))
        if needed <= HEIGHT - 50 * mm:
            self._room(needed)

    def row(self, key: str | None, value, indent: float = 0) -> None:
        """key None: a value continuing the row above (no label)."""
        if value in (None, ""):
            return
        lines = fit(str(value), self.font, 11, RIGHT - LEFT - indent - self.label_w)
        self._room(6 * mm * len(lines))
        self.pdf.setFont(self.font, 10.5)
        if key is not None:
            self.pdf.drawString(LEFT + indent, self.y, _t(key, self.language))
        self.pdf.setFont(self.font, 11)
        for line in lines:
            self.pdf.drawString(LEFT + indent + self.label_w, self.y, line)
            self.y -= 6 * mm

    def heading(self, text: str) -> None:
        self._room(14 * mm)
        self.y -= 2 * mm
        self.pdf.setFont(self.font, 12)
        self.pdf.drawString(LEFT, self.y, text)
        self.pdf.setStrokeGray(0.6)
        self.pdf.line(LEFT, self.y - 2 * mm, RIGHT, self.y - 2 * mm)
        self.y -= 8 * mm

    def paragraph(self, text: str) -> None:
        lines = fit(text, self.font, 10.5, RIGHT - LEFT)
        self._room(6 * mm * len(lines))
        self.pdf.setFont(self.font, 10.5)
        for line in lines:
            self.pdf.drawString(LEFT, self.y, line)
            self.y -= 6 * mm

    def finish(self, record: dict) -> bytes:
        """The verification block on the last page (a new page if the rows reached it), then the footer."""
        if self.y < BOTTOM:
            self.pdf.showPage()
        language = self.language
        drawing = Drawing(QR_SIDE, QR_SIDE)
        widget = QrCodeWidget(record["verify_url"], barLevel="M", barBorder=2)
        widget.barWidth = widget.barHeight = QR_SIDE
        drawing.add(widget)
        renderPDF.draw(drawing, self.pdf, LEFT, 30 * mm)
        x = LEFT + QR_SIDE + 6 * mm
        self.pdf.setFont(self.font, 10.5)
        self.pdf.drawString(x, 58 * mm, _labelled("office", record["office"], language))
        self.pdf.drawString(x, 51 * mm, _labelled("issued", _day(record["issued_at"], language), language))
        if record.get("verification_code"):
            self.pdf.drawString(x, 44 * mm, _labelled("code", record["verification_code"], language))
        self.pdf.setFont(self.font, 7.5)
        y = 38 * mm
        for line in fit(_t("verify", language), self.font, 7.5, SEAL_BOX[0] - x - 2 * mm) + [str(record["verify_url"])]:
            self.pdf.drawString(x, y, line)
            y -= 3.6 * mm
        self.pdf.setFont(self.font, 8)
        self.pdf.drawCentredString(WIDTH / 2, 15 * mm, FOOTERS[self.kind][LANGUAGES.index(language)])
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def _require(record: dict, keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if record.get(k) in (None, "")]
    if missing:
        raise DocumentDataError(f"{what} lacks {', '.join(missing)}")


PROOF_KEYS = ("proof_id", "verification_code", "verify_url", "issued_at", "office", "holder_name", "id_number_masked")


def _grouped(unit_no: str | None) -> str | None:
    if not unit_no:
        return None
    try:
        return parse_unit_number(unit_no).grouped()
    except FormatRefused:
        raise DocumentDataError("a property's 不动产单元号 is not in its national format") from None


# Register terms an English proof renders in English, the register's own words kept beside them.
REGISTER_TERMS_EN = {
    "单独所有": "Sole ownership", "共同共有": "Joint ownership", "按份共有": "Ownership in shares",
    "住宅": "Residential", "商业": "Commercial", "办公": "Office", "工业": "Industrial",
    "国有建设用地使用权/房屋所有权": "State-owned construction land use right / building ownership",
}


def _register_term(value: str | None, language: str) -> str | None:
    if language != "en" or not value or value not in REGISTER_TERMS_EN:
        return value
    return f"{REGISTER_TERMS_EN[value]} ({value})"


def _entry_rows(entry: dict, language: str) -> list[tuple[str | None, object, float]]:
    """One property's register entry as (label key, value, indent) rows; restrictions one per row."""
    indent = 4 * mm
    term = (f"{_day(entry['term_start'], language)} — {_day(entry['term_end'], language)}"
            if entry.get("term_start") and entry.get("term_end") else None)
    restrictions = entry.get("restrictions") or []
    return [("unit_no", _grouped(entry.get("unit_no")), indent),
            ("share", _register_term(entry.get("share"), language), indent),
            ("address", entry.get("address"), indent),
            ("right_type", _register_term(entry.get("right_type"), language), indent),
            ("usage", _register_term(entry.get("usage"), language), indent),
            ("area", f"{entry['area_m2']} ㎡" if entry.get("area_m2") else None, indent),
            ("term", term, indent),
            ("registered_on", _day(entry["registered_on"], language) if entry.get("registered_on") else None, indent),
            ("restrictions", restriction_words(restrictions[0], language) if restrictions else _t("none", language),
             indent),
            *((None, restriction_words(r, language), indent) for r in restrictions[1:])]


def property_proof_pdf(kind: str, proof: dict, language: str = "zh") -> bytes:
    """kind property_record (every entry in proof['properties'], with restrictions) or no_property."""
    if kind not in ("property_record", "no_property"):
        raise DocumentDataError(f"unknown proof kind {kind!r}")
    _require(proof, PROOF_KEYS, "the proof")
    entries = list(proof.get("properties") or [])
    if (kind == "no_property") == bool(entries):
        raise DocumentDataError("a no-property proof lists no property; a property-record proof lists one or more")
    doc = _Document(kind, language, document_keywords(kind, proof["verification_code"]), proof["proof_id"])
    doc.row("holder", proof["holder_name"])
    doc.row("id", proof["id_number_masked"])
    purpose = PURPOSES.get(proof.get("purpose") or "other", PURPOSES["other"])
    doc.row("purpose", purpose[LANGUAGES.index(language)])
    if kind == "no_property":
        doc.y -= 4 * mm
        doc.paragraph(f"经查询，截至{_day(proof['issued_at'], 'zh')}，本登记机构的不动产登记簿中未记载上述权利人名下的"
                      "不动产登记信息。" if language == "zh" else
                      f"As of {_day(proof['issued_at'], 'en')}, the land register of this office records no property "
                      "in the name of the above right holder.")
        return doc.finish(proof)
    scope = _t("scope_all", language) if proof.get("scope", "all") == "all" else \
        _t("scope_some", language).format(n=len(entries))
    doc.row("scope", scope)
    for number, entry in enumerate(entries, 1):
        rows = _entry_rows(entry, language)
        doc.keep_together(rows)  # one property's entry is never split across two pages
        doc.heading(f"{number}. {entry.get('certificate_no', '')}")
        for key, value, indent in rows:
            doc.row(key, value, indent)
    return doc.finish(proof)


MORTGAGE_KEYS = PROOF_KEYS + ("certificate_no", "mortgagee", "address", "loan_amount_fen", "term_months",
                              "recorded_on")


def mortgage_proof_pdf(certificate: dict, language: str = "zh") -> bytes:
    """The registration proof of a recorded mortgage (gateway.bank_recording.certificate_json)."""
    _require(certificate, MORTGAGE_KEYS, "the mortgage registration proof")
    doc = _Document("mortgage_certificate", language,
                    document_keywords("mortgage_certificate", certificate["verification_code"]),
                    certificate["proof_id"])
    doc.row("proof_no", certificate["certificate_no"])
    right = certificate.get("right") or "抵押权"
    doc.row("right", "Mortgage (抵押权)" if language == "en" and right == "抵押权" else right)
    doc.row("mortgagee", certificate["mortgagee"])
    doc.row("mortgagor", f"{certificate['holder_name']}（{certificate['id_number_masked']}）")
    doc.row("address", certificate["address"])
    doc.row("property_certificate_no", certificate.get("property_certificate_no"))
    doc.row("area", f"{certificate['area_m2']} ㎡" if certificate.get("area_m2") else None)
    doc.row("amount", _yuan(int(certificate["loan_amount_fen"]), language))
    doc.row("loan_term", f"{int(certificate['term_months'])} {'个月' if language == 'zh' else 'months'}")
    doc.row("registered_on", _day(certificate["recorded_on"], language))
    doc.row("case_id", certificate.get("case_id"))
    return doc.finish(certificate)


RECEIPT_KEYS = ("case_id", "title", "applicant_name", "id_number_masked", "property_address", "received_on",
                "time_limit_working_days", "due_on", "office", "issued_at", "verify_url")


def acceptance_receipt_pdf(receipt: dict, language: str = "zh") -> bytes:
    """受理回执: the case number, what was applied for, when, and by when the law says it is done."""
    _require(receipt, RECEIPT_KEYS, "the acceptance receipt")
    doc = _Document("acceptance_receipt", language, document_keywords("acceptance_receipt", receipt["case_id"]),
                    receipt["case_id"])
    doc.row("case_id", receipt["case_id"])
    doc.row("kind", receipt["title"])
    doc.row("applicant", f"{receipt['applicant_name']}（{receipt['id_number_masked']}）")
    doc.row("address", receipt["property_address"])
    doc.row("received_on", _day(receipt["received_on"], language))
    days = int(receipt["time_limit_working_days"])
    doc.row("limit", f"{days} 个工作日" if language == "zh" else f"{days} working days")
    doc.row("due", _day(receipt["due_on"], language))
    return doc.finish(receipt)
