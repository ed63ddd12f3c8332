"""E-certificate links: issued for a case with a certificate, stored hashed, one case only, short-lived; the public
page lists the e-certificate and the contract, the PDFs carry the case's registry data; unknown and expired links
get a plain page in Chinese (404/410). On SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import hashlib
import subprocess

import pytest
from sqlalchemy import select

from gateway.e_certificates import CaseRecord, contract_pdf, e_certificate_pdf
from gateway.models import AuditEntry, ECertificateLink, utcnow
from gateway.routers.e_certificates import LINK_TTL_S
from tests.gateway.conftest import KIT, OBAMA


def cases_of(client, headers) -> dict:
    return {c["status"]: c for c in client.get("/v1/cases", headers=headers).json()["cases"]}


def link_for(client, headers, case_id):
    return client.post(f"/v1/cases/{case_id}/e-certificate-links", headers=headers)


def pdf_text(tmp_path, content: bytes) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_a_link_is_issued_for_each_case_with_a_certificate_and_stored_hashed(client, obama, db):
    cases = cases_of(client, obama)
    before = utcnow()
    for status in ("recorded", "certificate_ready", "collected"):
        response = link_for(client, obama, cases[status]["case_id"])
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["case_id"] == cases[status]["case_id"]
        assert body["url"].startswith("http://testserver/e-certificates/")
        raw = body["url"].rsplit("/", 1)[1]
        assert len(raw) >= 32
        assert body["expires_in_s"] == LINK_TTL_S
        expires = dt.datetime.fromisoformat(body["expires_at"])
        assert dt.timedelta(seconds=LINK_TTL_S - 5) <= expires - before <= dt.timedelta(seconds=LINK_TTL_S + 5)
        assert body["documents"][0] == "e_certificate" and "contract" in body["documents"]
        stored = db.get(ECertificateLink, hashlib.sha256(raw.encode()).hexdigest())
        db.expire_all()
        assert stored is not None and stored.case_id == body["case_id"]
    tokens = {row.token_hash for row in db.execute(select(ECertificateLink)).scalars()}
    assert len(tokens) == 3 and all(len(t) == 64 for t in tokens)
    audit = db.execute(select(AuditEntry).where(AuditEntry.action == "e_certificate_link_issued")).scalars().all()
    assert len(audit) == 3 and all(OBAMA not in str(a.detail) for a in audit)


@pytest.mark.parametrize("status", ["received", "under_review", "tax_assessed", "paid", "rejected"])
def test_no_link_before_the_certificate_exists(client, obama, db, status):
    response = link_for(client, obama, cases_of(client, obama)[status]["case_id"])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "certificate_not_issued"
    assert db.execute(select(ECertificateLink)).first() is None


def test_another_persons_case_does_not_exist_and_a_token_is_needed(client, obama, hall, token_for, db):
    kit = {**hall, "X-Applicant-Token": token_for(KIT)}
    kits_case = cases_of(client, kit)["recorded"]["case_id"]
    response = link_for(client, obama, kits_case)
    assert response.status_code == 404 and response.json()["error"]["code"] == "case_not_found"
    assert link_for(client, hall, kits_case).status_code == 422  # no applicant token at all
    assert link_for(client, {**hall, "X-Applicant-Token": "forged"}, kits_case).status_code == 401
    assert db.execute(select(ECertificateLink)).first() is None


def test_the_page_lists_both_pdfs_and_they_download(client, obama, tmp_path):
    case = cases_of(client, obama)["recorded"]  # a transfer: a sale contract stands behind it
    url = link_for(client, obama, case["case_id"]).json()["url"]
    page = client.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert f'{url}/e-certificate.pdf' in page.text and f'{url}/contract.pdf' in page.text
    assert "欧阳明" not in page.text and "欧**" in page.text and OBAMA not in page.text

    certificate = client.get(f"{url}/e-certificate.pdf")
    assert certificate.status_code == 200 and certificate.headers["content-type"] == "application/pdf"
    assert certificate.content.startswith(b"%PDF")
    text = pdf_text(tmp_path, certificate.content)
    assert "不动产权证书" in text and case["case_id"] in text and "欧阳明" in text
    assert "1101**********1235" in text and OBAMA not in text, "the ID number is printed masked"
    contract = client.get(f"{url}/contract.pdf")
    assert contract.status_code == 200 and contract.content.startswith(b"%PDF")
    text = pdf_text(tmp_path, contract.content)
    assert "存量房买卖合同" in text and f"HT-{case['case_id']}" in text and "成交价格" in text
    assert 'attachment; filename="contract-' in contract.headers["content-disposition"]


def test_a_mortgage_gets_the_registration_proof_and_the_mortgage_contract(client, obama, tmp_path):
    case = cases_of(client, obama)["collected"]
    assert case["kind"] == "mortgage"
    url = link_for(client, obama, case["case_id"]).json()["url"]
    assert "不动产登记证明" in pdf_text(tmp_path, client.get(f"{url}/e-certificate.pdf").content)
    text = pdf_text(tmp_path, client.get(f"{url}/contract.pdf").content)
    assert "抵押合同" in text and "成交价格" not in text


def test_unknown_and_malformed_links_get_a_chinese_page_not_an_error(client):
    for path in ("/e-certificates/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/e-certificates/x",
                 "/e-certificates/AAAA/e-certificate.pdf", "/e-certificates/%E4%B8%AD/contract.pdf",
                 "/e-certificates/..%2F..%2Fetc"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "链接无效" in response.text


def test_an_expired_link_is_gone_and_says_so(client, obama, db):
    case = cases_of(client, obama)["certificate_ready"]
    url = link_for(client, obama, case["case_id"]).json()["url"]
    assert client.get(url).status_code == 200
    link = db.execute(select(ECertificateLink)).scalar_one()
    link.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    for path in (url, f"{url}/e-certificate.pdf", f"{url}/contract.pdf"):
        response = client.get(path)
        assert response.status_code == 410, path
        assert "链接已失效" in response.text and "重新扫码" in response.text
        assert b"%PDF" not in response.content


def test_downloads_are_counted_and_audited_without_personal_data(client, obama, db):
    case = cases_of(client, obama)["recorded"]
    url = link_for(client, obama, case["case_id"]).json()["url"]
    for _ in range(2):
        assert client.get(f"{url}/e-certificate.pdf").status_code == 200
    assert client.get(f"{url}/contract.pdf").status_code == 200
    assert db.execute(select(ECertificateLink)).scalar_one().downloads == 3
    entries = db.execute(select(AuditEntry).where(AuditEntry.action == "e_certificate_downloaded")).scalars().all()
    assert [e.subject for e in entries] == [case["case_id"]] * 3
    assert all("欧阳明" not in str(e.detail) and OBAMA not in str(e.detail) for e in entries)


def test_a_case_without_a_contract_offers_only_the_certificate(client, obama, db):
    from gateway.models import Case

    case = db.get(Case, cases_of(client, obama)["recorded"]["case_id"])
    case.kind = "change"
    db.commit()
    body = link_for(client, obama, case.case_id).json()
    assert body["documents"] == ["e_certificate"]
    page = client.get(body["url"]).text
    assert "e-certificate.pdf" in page and "contract.pdf" not in page
    assert client.get(body["url"] + "/contract.pdf").status_code == 404
    assert client.get(body["url"] + "/e-certificate.pdf").status_code == 200


def test_pdfs_wrap_long_addresses_and_mask_the_id_number(tmp_path):
    record = CaseRecord(case_id="BDC2026010005", kind="first_registration", title="新建商品房首次登记",
                        certificate_no="京(2026)不动产权第0010005号", holder_name="罗丝", id_number="982611198702095671",
                        property_address="上海市徐汇区" + "长安新城2期4栋2201室" * 6, area_m2="98.60",
                        price_fen=123_456_789, received_on=dt.date(2026, 11, 2),
                        registered_on=dt.date(2026, 11, 9), office="不动产登记中心（演示）")
    text = pdf_text(tmp_path, e_certificate_pdf(record))
    assert "982611198702095671" not in text and "9826**********5671" in text
    assert "2026年11月09日" in text
    text = pdf_text(tmp_path, contract_pdf(record))
    assert "人民币 1,234,567.89 元" in text and "商品房买卖合同" in text
    with pytest.raises(ValueError, match=r"a cancellation case has no contract"):
        contract_pdf(CaseRecord(**{**record.__dict__, "kind": "cancellation"}))


def test_links_expired_for_a_day_are_purged_when_new_ones_are_made(client, obama, db):
    cases = cases_of(client, obama)
    link_for(client, obama, cases["recorded"]["case_id"])
    old = db.execute(select(ECertificateLink)).scalar_one()
    old.expires_at = utcnow() - dt.timedelta(days=2)
    old_hash = old.token_hash
    db.commit()
    link_for(client, obama, cases["collected"]["case_id"])
    db.expire_all()
    remaining = db.execute(select(ECertificateLink)).scalars().all()
    assert [r.case_id for r in remaining] == [cases["collected"]["case_id"]]
    assert db.get(ECertificateLink, old_hash) is None


def test_a_phone_scanning_an_acceptance_notice_gets_a_page_that_says_nothing_about_the_case(client):
    """The notice's QR is for the kiosk; a phone that opens it learns only where to use it, for any case number."""
    real, made_up = client.get("/cases/BJ2026-000124"), client.get("/cases/NO-SUCH-CASE")
    assert real.status_code == made_up.status_code == 200
    assert "自助服务机" in real.text and real.text == made_up.text
    assert client.get("/cases/bad%20id").status_code == 422
