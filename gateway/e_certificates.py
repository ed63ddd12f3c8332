"""The e-certificate and the contract of a case as A4 PDF, made on request for the applicant's phone (never stored).

Content comes from the registry (the case, its owner, the date it was recorded); the ID number is printed masked, as
on every paper the kiosk prints. The CJK font and wrapping are pdfparts', shared with the kiosk's proofs.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from gateway.casework import CHINA
from gateway.identity import mask_id_number
from pdfparts import register_cjk_font, wrap

logger = logging.getLogger(__name__)

# The statuses in which the registry has issued the certificate (or, for a mortgage, the registration proof).
CERTIFICATE_STATUSES = frozenset({"recorded", "certificate_ready", "collected"})
# Which contract stands behind a case; other kinds (change, cancellation) have none to download.
CONTRACT_TITLES = {"transfer": "存量房买卖合同（网签备案信息）", "first_registration": "商品房买卖合同（网签备案信息）",
                   "mortgage": "不动产抵押合同（备案信息）"}
PARTY_LABELS = {"transfer": "买受人", "first_registration": "买受人", "mortgage": "抵押人"}
SALE_KINDS = frozenset({"transfer", "first_registration"})


@dataclass(frozen=True)
class CaseRecord:
    """What the two documents print about a case: registry data, read in one place (gateway.routers)."""

    case_id: str
    kind: str
    title: str
    certificate_no: str
    holder_name: str
    id_number: str
    property_address: str
    area_m2: str
    price_fen: int
    received_on: dt.date
    registered_on: dt.date
    office: str


def has_contract(kind: str) -> bool:
    return kind in CONTRACT_TITLES


def _date(value: dt.date) -> str:
    return value.strftime("%Y年%m月%d日")


def _yuan(fen: int) -> str:
    return f"人民币 {fen // 100:,}.{fen % 100:02d} 元"


class _Page:
    """One A4 page written top-down: a title, label/value rows (values wrapped), a footer."""

    def __init__(self, title: str, subject: str, keywords: str | None = None):
        self.font = register_cjk_font()
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, invariant=True, pageCompression=1,
                                 initialFontName=self.font)
        self.pdf.setTitle(title)
        self.pdf.setSubject(subject)
        if keywords:
            self.pdf.setKeywords(keywords)
        self.width, self.height = A4
        self.left = 25 * mm
        self.pdf.setFont(self.font, 20)
        self.pdf.drawCentredString(self.width / 2, self.height - 35 * mm, title)
        self.y = self.height - 50 * mm

    def note(self, text: str, size: float = 10) -> None:
        self.pdf.setFont(self.font, size)
        self.pdf.drawRightString(self.width - 25 * mm, self.y, text)
        self.y -= 12 * mm

    def row(self, label: str, value: str) -> None:
        self.pdf.setFont(self.font, 12)
        self.pdf.drawString(self.left, self.y, label)
        for line in wrap(str(value), self.width - 25 * mm - (self.left + 38 * mm), 12):
            self.pdf.drawString(self.left + 38 * mm, self.y, line)
            self.y -= 7 * mm
        self.y -= 3 * mm

    def paragraph(self, text: str, size: float = 11) -> None:
        self.pdf.setFont(self.font, size)
        self.y -= 4 * mm
        for line in wrap(text, self.width - 25 * mm - self.left, size):
            self.pdf.drawString(self.left, self.y, line)
            self.y -= 6.5 * mm

    def finish(self, footer: str) -> bytes:
        self.pdf.setFont(self.font, 8)
        self.pdf.drawCentredString(self.width / 2, 15 * mm, footer)
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def _made_at(now: dt.datetime | None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def e_certificate_pdf(record: CaseRecord, now: dt.datetime | None = None, identifier: str | None = None) -> bytes:
    """The electronic certificate (a mortgage: the electronic registration proof of the mortgage). identifier: its
    e-certificate identifier (gateway.national_formats), printed and named in the Keywords for the seal check."""
    mortgage = record.kind == "mortgage"
    title = "不动产登记证明（电子证照）" if mortgage else "不动产权证书（电子证照）"
    page = _Page(title, f"{record.case_id} {record.certificate_no}",
                 f"kind=e_certificate;ref={identifier}" if identifier else None)
    page.note(f"证号：{record.certificate_no}")
    if identifier:
        page.note(f"证照标识：{identifier}", size=8)
    rows = [("权利人" if not mortgage else "义务人", record.holder_name),
            ("证件号码", mask_id_number(record.id_number))]
    if mortgage:
        rows += [("证明权利或事项", "抵押权"), ("不动产坐落", record.property_address)]
    else:
        rows += [("共有情况", "单独所有"), ("坐落", record.property_address),
                 ("权利类型", "国有建设用地使用权/房屋所有权"), ("用途", "住宅")]
    rows += [("面积", f"房屋建筑面积 {record.area_m2}㎡"), ("登记日期", _date(record.registered_on)),
             ("登记机构", record.office), ("业务编号", record.case_id)]
    for label, value in rows:
        page.row(label, value)
    page.paragraph("本电子证照依据不动产登记簿生成，内容与登记簿记载一致；如有不一致，以不动产登记簿为准。")
    return page.finish(f"生成时间：{_made_at(now)}（北京时间）  仅供权利人本人使用")


def contract_pdf(record: CaseRecord, now: dt.datetime | None = None) -> bytes:
    """The filed contract behind the case (sale or mortgage), as the registry holds it."""
    if not has_contract(record.kind):
        raise ValueError(f"a {record.kind} case has no contract")
    page = _Page(CONTRACT_TITLES[record.kind], record.case_id)
    page.note(f"合同备案编号：HT-{record.case_id}")
    rows = [(PARTY_LABELS[record.kind], record.holder_name), ("证件号码", mask_id_number(record.id_number)),
            ("房屋坐落", record.property_address), ("建筑面积", f"{record.area_m2}㎡")]
    if record.kind in SALE_KINDS:
        rows.append(("成交价格", _yuan(record.price_fen)))
    rows += [("备案日期", _date(record.received_on)), ("登记业务", f"{record.title}（{record.case_id}）"),
             ("备案机构", record.office)]
    for label, value in rows:
        page.row(label, value)
    page.paragraph("本文件为合同网签备案信息，合同全文以双方签署并备案的合同文本为准。")
    return page.finish(f"生成时间：{_made_at(now)}（北京时间）")
