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


def _entry(i: int, restrictions: int) -> dict:
    return {"certificate_no": f"京（2026）朝阳区不动产权第00100{i:02d}号", "unit_no": f"110105001001GB000{i:02d}F0001{i:02d}01",
            "address": "北京市朝阳区幸福路8号2单元301室", "share": "单独所有", "right_type": "国有建设用地使用权/房屋所有权",
            "usage": "住宅", "area_m2": "89.50", "registered_on": "2026-01-05", "term_start": "2000-01-01",
            "term_end": "2070-01-01",
            "restrictions": [{"kind": "mortgage", "holder": "中国建设银行 示范支行", "amount_fen": 150_000_000,
                              "ends_on": "2046-01-05"}] * restrictions}


@pytest.mark.parametrize("language, label", [("zh", "限制状况"), ("en", "Restrictions")])
def test_a_property_entry_is_never_split_across_pages(tmp_path, language, label):
    record = {"proof_id": "PF0001", "verification_code": "V7K2-9QXM-4TB8", "verify_url": "http://t/verify/V7K2",
              "issued_at": "2026-11-23T10:30:00+08:00", "office": OFFICE, "holder_name": "欧阳明",
              "id_number_masked": "1101**********1235", "purpose": "loan",
              "properties": [_entry(i, i % 3) for i in range(1, 8)]}
    (tmp_path / "p.pdf").write_bytes(property_proof_pdf("property_record", record, language))
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True,
                           check=True, timeout=60).stdout.split("\f")
    assert len([p for p in pages if p.strip()]) >= 3
    for page in pages:
        headings = [n for n in range(1, 8) if f"{n}. 京（2026）" in page]
        assert page.count(f"{label} ") + page.count(f"{label}\n") >= len(headings)  # each heading's entry ends here
        assert page.count(label) == len(headings)  # and no entry's tail spilled over from the page before


def test_an_english_proof_gives_register_terms_in_english_beside_the_registers_words(tmp_path):
    record = {"proof_id": "PF0001", "verification_code": "V7K2-9QXM-4TB8", "verify_url": "http://t/verify/V7K2",
              "issued_at": "2026-11-23T10:30:00+08:00", "office": OFFICE, "holder_name": "欧阳明",
              "id_number_masked": "1101**********1235", "purpose": "loan",
              "properties": [{**_entry(1, 0), "share": "共同共有", "usage": "商业"}]}
    (tmp_path / "p.pdf").write_bytes(property_proof_pdf("property_record", record, "en"))
    text = pdftotext((tmp_path / "p.pdf").read_bytes(), tmp_path)
    assert "Joint ownership (共同共有)" in text and "Commercial (商业)" in text
    zh = pdftotext(property_proof_pdf("property_record", record, "zh"), tmp_path)
    assert "共同共有" in zh and "Joint ownership" not in zh
