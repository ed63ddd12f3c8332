"""The mortgage registration proof PDF: its fields in the text layer, the masked ID number, the verification QR
(decoded after pdftoppm by two independent decoders), and bad data refused before anything prints."""
import subprocess

import pytest
import zxingcpp
from hypothesis import given, settings, strategies as st
from pyzbar import pyzbar

from kiosk.documents.mortgage_certificate import build_mortgage_certificate_pdf, sample_mortgage_certificate
from kiosk.documents.proofs import ProofDataError
from tests.kiosk.documents.test_proofs import rasterise


def test_qr_decodes_to_the_verification_page(tmp_path):
    certificate = sample_mortgage_certificate()
    page = rasterise(build_mortgage_certificate_pdf(certificate), tmp_path)
    assert [r.text for r in zxingcpp.read_barcodes(page)] == [certificate["verify_url"]]
    assert [r.data.decode() for r in pyzbar.decode(page)] == [certificate["verify_url"]]


def test_text_holds_the_mortgage_and_the_masked_id(tmp_path):
    path = tmp_path / "m.pdf"
    path.write_bytes(build_mortgage_certificate_pdf(sample_mortgage_certificate()))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("不动产登记证明", "粤(2026)深圳市不动产证明第0000001号", "抵押权", "中国建设银行 示范支行",
                     "林曼努", "4403**********3458", "1,500,000.00 元", "360 个月", "2026年11月23日",
                     "深圳市不动产登记中心", "M4QX7TB82KZP", "幸福路8号"):
        assert expected in text, expected
    assert "440305198001163458" not in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert [l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")] == ["1"]


@pytest.mark.parametrize("change, problem", [
    ({"certificate_no": ""}, r"lacks certificate_no"), ({"verify_url": None}, r"lacks verify_url"),
    ({"mortgagee": ""}, r"lacks mortgagee"),
    ({"loan_amount_fen": "lots"}, r"the secured amount and the term must be numbers"),
    ({"loan_amount_fen": -1}, r"the secured amount and the term must be positive"),
    ({"term_months": 0}, r"the secured amount and the term must be positive"),
    ({"kind": "property_record"}, r"not a mortgage certificate: 'property_record'")])
def test_bad_data_is_refused(change, problem):
    with pytest.raises(ProofDataError, match=problem):
        build_mortgage_certificate_pdf({**sample_mortgage_certificate(), **change})


@settings(max_examples=25, deadline=None)
@given(fields=st.fixed_dictionaries({
    "holder_name": st.text(max_size=40), "mortgagee": st.text(max_size=80), "address": st.text(max_size=200),
    "certificate_no": st.text(max_size=64), "loan_amount_fen": st.one_of(st.integers(-10**15, 10**15), st.text()),
    "term_months": st.one_of(st.integers(-1000, 1000), st.none(), st.text(max_size=5))}))
def test_any_field_values_print_or_are_refused_cleanly(fields):
    try:
        pdf = build_mortgage_certificate_pdf({**sample_mortgage_certificate(), **fields})
    except ProofDataError:
        return
    assert pdf.startswith(b"%PDF-")
