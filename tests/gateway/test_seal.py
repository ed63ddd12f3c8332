"""The electronic seal: a sealed PDF is valid to pyHanko and to poppler's pdfsig, and every way it can go wrong is
told apart (altered, an update drawn over it, another certificate, a revoked certificate, no seal, not a PDF)."""
from __future__ import annotations

import os

import pytest

from gateway import seal_pki
from gateway.proof_documents import property_proof_pdf
from gateway.seal import Seal, SealError, SealFiles, check_private_file
from gateway.seal_check import SealTrust, Verdict, check_seal
from tests.gateway.sealing import (OFFICE, LoopbackTsa, append_new_claim, append_overlay, copy_pki, flip_signed_byte, make_pki,
                                   nss_trusting, nss_with_crl, pdfsig)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("seal") / "pki")


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("other") / "pki", "别处的登记中心", ca_name="Another CA")


def _proof(code="V7K2-9QXM-4TB8"):
    return {"proof_id": "PF0001", "verification_code": code, "verify_url": f"http://testserver/verify/{code}",
            "issued_at": "2026-11-23T10:30:00+08:00", "office": OFFICE, "holder_name": "欧阳明",
            "id_number_masked": "1101**********1235", "purpose": "school",
            "properties": [{"certificate_no": "京（2026）朝阳区不动产权第0010005号",
                            "unit_no": "110105001001GB00005F00010501", "address": "北京市朝阳区幸福路8号",
                            "usage": "住宅", "area_m2": "89.50", "registered_on": "2026-01-05", "restrictions": []}]}


@pytest.fixture(scope="module")
def sealed(pki):
    seal = Seal.load(SealFiles(pki), OFFICE)
    return seal.seal_pdf(property_proof_pdf("property_record", _proof()), box=(400, 80, 520, 200), reason="test")


def test_a_sealed_proof_is_valid_timestamped_and_names_its_record(sealed, pki):
    check = check_seal(sealed, SealTrust(pki))
    assert check.verdict is Verdict.VALID
    assert (check.kind, check.ref) == ("property_record", "V7K2-9QXM-4TB8")
    assert OFFICE in check.signer
    assert check.timestamped_at is not None  # an RFC 3161 token from the local TSA, checked against the CA


def test_pdfsig_finds_the_seal_valid_and_its_certificate_trusted(sealed, pki, tmp_path):
    report = pdfsig(sealed, tmp_path, nss_trusting(tmp_path / "nss", pki / seal_pki.CA_CERT))
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    assert "Total document signed" in report and "ETSI.CAdES.detached" in report  # PAdES


def test_a_changed_byte_is_altered_for_pyhanko_and_pdfsig(sealed, pki, tmp_path):
    tampered = flip_signed_byte(sealed)
    assert check_seal(tampered, SealTrust(pki)).verdict is Verdict.ALTERED
    assert "Signature Validation: Digest Mismatch." in pdfsig(tampered, tmp_path)


def test_an_overlay_added_after_sealing_is_altered(sealed, pki, tmp_path):
    overlaid = append_overlay(sealed)
    assert check_seal(overlaid, SealTrust(pki)).verdict is Verdict.ALTERED
    assert "Total document signed" not in pdfsig(overlaid, tmp_path)


def test_an_update_pointing_the_seal_at_another_record_changes_nothing(sealed, pki):
    # pyHanko lets the document information change after a seal; the claim is read from the sealed revision.
    check = check_seal(append_new_claim(sealed, "OTHER-CODE"), SealTrust(pki))
    assert check.ref == "V7K2-9QXM-4TB8"


def test_a_seal_from_another_ca_is_foreign(other_pki, pki, tmp_path):
    foreign = Seal.load(SealFiles(other_pki), "别处的登记中心").seal_pdf(
        property_proof_pdf("property_record", _proof()), box=(400, 80, 520, 200), reason="test")
    assert check_seal(foreign, SealTrust(other_pki)).verdict is Verdict.VALID
    assert check_seal(foreign, SealTrust(pki)).verdict is Verdict.FOREIGN
    report = pdfsig(foreign, tmp_path, nss_trusting(tmp_path / "nss", pki / seal_pki.CA_CERT))
    assert "Signature Validation: Signature is Valid." in report  # intact, but not from the CA trusted here
    assert "Certificate Validation: Certificate issuer isn't Trusted." in report


def test_a_revoked_seal_certificate_is_revoked(sealed, pki, tmp_path):
    revoked = copy_pki(pki, tmp_path / "revoked")
    seal_pki.revoke_seal(revoked)
    assert check_seal(sealed, SealTrust(revoked)).verdict is Verdict.REVOKED
    assert check_seal(sealed, SealTrust(pki)).verdict is Verdict.VALID  # the CRL, not the file, decided
    nss = nss_trusting(tmp_path / "nss", pki / seal_pki.CA_CERT)
    assert "Certificate Validation: Certificate is Trusted." in pdfsig(sealed, tmp_path, nss)
    report = pdfsig(sealed, tmp_path, nss_with_crl(nss, revoked / seal_pki.CA_CRL))
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate has been Revoked." in report


def test_the_tsa_certificate_cannot_seal_a_document(pki, tmp_path):
    # A key of the same CA without the seal's key usage (here the TSA's) is not the registration centre's seal.
    impostor = copy_pki(pki, tmp_path / "impostor")
    (impostor / seal_pki.SEAL_KEY).write_bytes((pki / seal_pki.TSA_KEY).read_bytes())
    (impostor / seal_pki.SEAL_CERT).write_bytes((pki / seal_pki.TSA_CERT).read_bytes())
    os.chmod(impostor / seal_pki.SEAL_KEY, 0o600)
    pdf = Seal.load(SealFiles(impostor), OFFICE).seal_pdf(property_proof_pdf("property_record", _proof()),
                                                         box=(400, 80, 520, 200), reason="test")
    assert check_seal(pdf, SealTrust(pki)).verdict is not Verdict.VALID


def test_unsigned_and_unreadable_files(pki):
    assert check_seal(property_proof_pdf("property_record", _proof()), SealTrust(pki)).verdict is Verdict.UNSIGNED
    assert check_seal(b"not a pdf at all", SealTrust(pki)).verdict is Verdict.UNREADABLE
    assert check_seal(b"", SealTrust(pki)).verdict is Verdict.UNREADABLE


def test_a_seal_key_readable_by_others_is_refused(pki, tmp_path):
    loose = copy_pki(pki, tmp_path / "loose")
    os.chmod(loose / seal_pki.SEAL_KEY, 0o644)
    with pytest.raises(SealError, match="readable by others .*chmod 600"):
        Seal.load(SealFiles(loose), OFFICE)
    with pytest.raises(SealError, match="not found"):
        check_private_file(tmp_path / "absent.key")


def test_no_tsa_at_all_is_refused(pki, tmp_path):
    bare = copy_pki(pki, tmp_path / "bare")
    (bare / seal_pki.TSA_KEY).unlink()
    with pytest.raises(SealError, match="no time-stamping authority"):
        Seal.load(SealFiles(bare), OFFICE)


def test_a_tsa_over_http_stamps_the_seal(pki, tmp_path):
    # Production's path (--seal-tsa-url): the RFC 3161 request goes over HTTP to a TSA; here one on loopback.
    with LoopbackTsa(pki) as tsa:
        seal = Seal.load(SealFiles(pki, tsa_url=tsa.url), OFFICE)
        pdf = seal.seal_pdf(property_proof_pdf("property_record", _proof()), box=(400, 80, 520, 200), reason="t")
        assert tsa.requests == 1
    check = check_seal(pdf, SealTrust(pki))
    assert check.verdict is Verdict.VALID and check.timestamped_at is not None


def test_the_seal_pki_command_makes_and_revokes(tmp_path, capsys):
    folder = tmp_path / "site"
    assert seal_pki.main(["init", "--dir", str(folder), "--office", OFFICE, "--crl-url", "http://127.0.0.1:9/c"]) == 0
    assert seal_pki.main(["init", "--dir", str(folder), "--office", OFFICE, "--crl-url", "http://127.0.0.1:9/c"]) == 1
    assert "not overwriting a seal" in capsys.readouterr().err
    pdf = Seal.load(SealFiles(folder), OFFICE).seal_pdf(property_proof_pdf("property_record", _proof()),
                                                       box=(400, 80, 520, 200), reason="t")
    assert check_seal(pdf, SealTrust(folder)).verdict is Verdict.VALID
    assert seal_pki.main(["revoke", "--dir", str(folder)]) == 0
    assert check_seal(pdf, SealTrust(folder)).verdict is Verdict.REVOKED
    assert oct((folder / seal_pki.SEAL_KEY).stat().st_mode & 0o777) == "0o600"
