"""The sealed documents' pages: line fitting keeps numbers whole, bad records build nothing, and the rendered page
(pdftoppm) shows the red seal where SEAL_BOX says, in both languages."""
from __future__ import annotations

import subprocess

import pytest
from PIL import Image
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from gateway.proof_documents import (HEIGHT, SEAL_BOX, WIDTH, DocumentDataError, acceptance_receipt_pdf, fit,
                                     mortgage_proof_pdf, property_proof_pdf)
from gateway.seal import Seal, SealFiles
from pdfparts import register_cjk_font
from tests.gateway.sealing import OFFICE, make_pki, pdftotext

FONT = register_cjk_font()
RECEIPT = {"case_id": "BDC2026010001", "title": "存量房转移登记", "applicant_name": "欧阳明",
           "id_number_masked": "1101**********1235", "property_address": "北京市朝阳区幸福路8号2单元301室",
           "received_on": "2026-11-23", "time_limit_working_days": 10, "due_on": "2026-12-07", "office": OFFICE,
           "issued_at": "2026-11-23T10:30:00+08:00", "verify_url": "http://testserver/verify"}


def test_fit_stays_within_the_width_and_never_splits_a_number():
    text = "已抵押给中国建设银行 示范支行，担保债权 1,500,000.00 元（至2046-11-22）"
    for width in (60 * mm, 80 * mm, 120 * mm):
        lines = fit(text, FONT, 11, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(stringWidth(line, FONT, 11) <= width for line in lines)
        assert any("1,500,000.00" in line for line in lines) and any("2046-11-22" in line for line in lines)


@pytest.mark.parametrize("build, record, message", [
    (lambda r: property_proof_pdf("property_record", r), {"proof_id": "P1"}, "the proof lacks"),
    (lambda r: acceptance_receipt_pdf(r), {**RECEIPT, "due_on": None}, "lacks due_on"),
    (lambda r: mortgage_proof_pdf(r), {"proof_id": "P1"}, "mortgage registration proof lacks"),
    (lambda r: property_proof_pdf("deed", r), {}, "unknown proof kind"),
    (lambda r: acceptance_receipt_pdf(r, "fr"), RECEIPT, "unknown language"),
])
def test_a_record_missing_what_the_document_prints_builds_nothing(build, record, message):
    with pytest.raises(DocumentDataError, match=message):
        build(record)


def test_a_no_property_proof_cannot_list_property():
    record = {"proof_id": "P1", "verification_code": "C", "verify_url": "http://t/verify/C", "issued_at": "2026-11-23",
              "office": OFFICE, "holder_name": "哈基特", "id_number_masked": "GBR1*******6013",
              "properties": [{"address": "x"}]}
    with pytest.raises(DocumentDataError, match="no-property proof lists no property"):
        property_proof_pdf("no_property", record)


@pytest.mark.parametrize("language, title", [("zh", "不动产登记受理回执"),
                                             ("en", "Acknowledgement of Receipt of a Registration Application")])
def test_the_rendered_page_shows_the_seal_in_its_box(tmp_path, language, title):
    pki = make_pki(tmp_path / "pki")
    sealed = Seal.load(SealFiles(pki), OFFICE).seal_pdf(acceptance_receipt_pdf(RECEIPT, language), box=SEAL_BOX,
                                                        reason="test")
    assert title in pdftotext(sealed, tmp_path)
    (tmp_path / "r.pdf").write_bytes(sealed)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(tmp_path / "r.pdf"), str(tmp_path / "r")],
                   check=True, timeout=60)
    page = Image.open(tmp_path / "r.png").convert("RGB")
    scale = page.width / WIDTH

    def red_share(box) -> float:
        """Share of seal-red pixels in box (PDF points, origin bottom left)."""
        x1, y1, x2, y2 = (round(v * scale) for v in box)
        pixels = list(page.crop((x1, page.height - y2, x2, page.height - y1)).get_flattened_data())
        return sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90) / len(pixels)

    assert red_share(SEAL_BOX) > 0.05  # the seal's ring, star and name
    left_box = (20 * mm, HEIGHT / 2, 60 * mm, HEIGHT / 2 + 40 * mm)
    assert red_share(left_box) == 0  # and nowhere else
