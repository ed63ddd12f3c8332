"""Proof PDFs: embedded CJK font, the right text, and a QR code that decodes (after pdftoppm) to the verify URL."""
import subprocess

import pytest
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

from kiosk.documents.proofs import ProofDataError, build_proof_pdf, sample_proof


def rasterise(pdf: bytes, tmp_path) -> Image.Image:
    source = tmp_path / "proof.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", str(source), str(tmp_path / "page")],
                   check=True, timeout=60)
    return Image.open(tmp_path / "page.png")


@pytest.mark.parametrize("kind", ["property_record", "no_property"])
def test_qr_on_the_pdf_decodes_to_the_verification_page(kind, tmp_path):
    proof = sample_proof(kind)
    page = rasterise(build_proof_pdf(kind, proof), tmp_path)
    assert [r.text for r in zxingcpp.read_barcodes(page)] == [proof["verify_url"]]
    assert [r.data.decode() for r in pyzbar.decode(page)] == [proof["verify_url"]]
    assert proof["verify_url"].endswith("/verify/" + proof["verification_code"])


def test_the_cjk_font_is_embedded(tmp_path):
    path = tmp_path / "p.pdf"
    path.write_bytes(build_proof_pdf("property_record", sample_proof()))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    line = next(l for l in fonts.splitlines() if "WenQuanYiMicroHei" in l)
    assert line.split()[-5:-3] == ["yes", "yes"]  # emb, sub


def test_text_holds_office_date_code_and_masked_id(tmp_path):
    path = tmp_path / "p.pdf"
    path.write_bytes(build_proof_pdf("property_record", sample_proof()))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("不动产登记资料查询结果证明", "北京市朝阳区不动产登记中心", "2026年11月23日", "V7K2-9QXM-4TB8",
                     "1101**********1235", "建国路88号"):
        assert expected in text
    assert "110105196108041235" not in text


@pytest.mark.parametrize("change, problem", [({"verify_url": ""}, r"proof data lacks verify_url"),
                                             ({"office": None}, r"proof data lacks office"),
                                             ({"verification_code": ""}, r"proof data lacks verification_code")])
def test_incomplete_proof_data_is_refused(change, problem):
    with pytest.raises(ProofDataError, match=problem):
        build_proof_pdf("property_record", {**sample_proof(), **change})


def test_no_property_proof_with_properties_is_refused():
    with pytest.raises(ProofDataError, match=r"a proof of no property cannot list properties"):
        build_proof_pdf("no_property", sample_proof("property_record"))


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_an_official_proof_shows_the_holders_id_number_in_full_from_the_card(tmp_path):
    text = pdf_text(build_proof_pdf("property_record", sample_proof(), id_number="110105196108041235"), tmp_path)
    assert "110105196108041235" in text and "1101**********1235" not in text


def test_a_card_number_that_is_not_the_proofs_holder_is_never_printed(tmp_path):
    text = pdf_text(build_proof_pdf("no_property", sample_proof("no_property"), id_number="110105196108049999"),
                    tmp_path)
    assert "110105196108049999" not in text and "1101**********1235" in text


def test_the_day_of_issue_is_the_day_in_beijing(tmp_path):
    late_utc = {**sample_proof("no_property"), "issued_at": "2026-11-23T20:00:00Z"}  # 04:00 on the 24th in Beijing
    assert "2026年11月24日" in pdf_text(build_proof_pdf("no_property", late_utc), tmp_path)
