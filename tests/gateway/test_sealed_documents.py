"""Every sealed document type through the API: issued, sealed, checked by pyHanko, by pdfsig and by the public /verify
upload; the register entry on the proof (purpose, chosen properties, restrictions); national formats refused."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlparse

import pytest

from gateway import seal_pki
from gateway.bank_demo import seed_bank_demo
from gateway.db import make_sessionmaker
from gateway.models import Property
from gateway.seal_check import SealTrust, Verdict, check_seal
from gateway.settings import GatewaySettings
from tests.gateway.conftest import KIT, OBAMA
from tests.gateway.sealing import copy_pki, flip_signed_byte, make_pki, nss_trusting, pdfsig, pdftotext
from tests.gateway.test_bank import applicant

BIDEN = "310115194211202341"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("seal") / "pki")


@pytest.fixture(scope="module")
def nss(pki, tmp_path_factory):
    return nss_trusting(tmp_path_factory.mktemp("nss") / "db", pki / seal_pki.CA_CERT)


@pytest.fixture
def settings(pki):
    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0, seal_dir=pki)


def issue(client, headers, **body):
    return client.post("/v1/proofs", headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                       json={"kind": "property_record", **body})


def fetch(client, headers, url):
    response = client.get(urlparse(url).path + (f"?{urlparse(url).query}" if urlparse(url).query else ""),
                          headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def upload(client, pdf: bytes):
    page = client.post("/verify", files={"document": ("document.pdf", pdf, "application/pdf")})
    assert page.status_code == 200, page.text
    verdict = re.search(r'data-verdict="([a-z_]+)"', page.text)[1]
    found = re.search(r'data-found="(true|false)"', page.text)[1] == "true"
    return verdict, found, page.text


def assert_genuine(client, pdf, pki, nss, tmp_path, kind):
    check = check_seal(pdf, SealTrust(pki))
    assert check.verdict is Verdict.VALID and check.kind == kind and check.timestamped_at is not None
    report = pdfsig(pdf, tmp_path, nss)
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    verdict, found, page = upload(client, pdf)
    assert (verdict, found) == ("valid", True), page
    return page


def test_property_record_proof_lists_the_whole_register_entry_and_is_sealed(client, obama, pki, nss, tmp_path):
    body = issue(client, obama, purpose="school").json()
    assert body["purpose"] == "school" and len(body["properties"]) == 2
    seized = next(p for p in body["properties"] if any(r["kind"] == "seizure" for r in p["restrictions"]))
    assert seized["unit_no"] and len(seized["unit_no"]) == 28 and seized["share"] == "共同共有"
    pdf = fetch(client, obama, body["document_url"])
    page = assert_genuine(client, pdf, pki, nss, tmp_path, "property_record")
    assert body["verification_code"] in page and "1101**********1235" in page
    text = pdftotext(pdf, tmp_path)
    assert "查询目的" in text and "子女入学" in text and "名下全部不动产" in text
    grouped = f"{seized['unit_no'][:6]} {seized['unit_no'][6:12]} {seized['unit_no'][12:19]} {seized['unit_no'][19:]}"
    assert grouped in text
    assert "已抵押给中国建设银行 示范支行" in text and "1,500,000.00 元" in text
    assert "已被北京市朝阳区人民法院查封" in text
    assert OBAMA not in text and "1101**********1235" in text


def test_the_register_entries_to_choose_from(client, obama, db):
    entries = client.get("/v1/properties", headers=obama).json()["properties"]
    assert sorted(e["unit_no"] for e in entries) == sorted(
        p.unit_no for p in db.query(Property).filter(Property.id_number == OBAMA))
    kinds = sorted(r["kind"] for e in entries for r in e["restrictions"])
    assert kinds == ["mortgage", "seizure"]
    anonymous = client.get("/v1/properties", headers={"Authorization": obama["Authorization"]})
    assert anonymous.status_code == 422 and "properties" not in anonymous.json()  # no applicant token: nothing


def test_one_property_chosen_by_its_unit_number(client, obama, db, tmp_path):
    units = sorted(p.unit_no for p in db.query(Property).filter(Property.id_number == OBAMA))
    body = issue(client, obama, purpose="transaction", unit_numbers=[units[0][:6] + " " + units[0][6:]]).json()
    assert [p["unit_no"] for p in body["properties"]] == [units[0]]
    text = pdftotext(fetch(client, obama, body["document_url"]), tmp_path)
    assert "指定不动产 1 处" in text and "房屋交易" in text


@pytest.mark.parametrize("units, status, code, message", [
    (["11010500100"], 422, "unit_number_invalid", "28 characters, not 11"),
    (["110105001001XB00005F00010501"], 422, "unit_number_invalid", "parcel type"),
    ([], 422, "unit_number_invalid", "at least one"),
    (["310115001002GB00005F00010501"], 409, "property_not_owned", "not one of the applicant's"),
])
def test_bad_unit_numbers_are_refused_and_issue_nothing(client, obama, db, units, status, code, message):
    from gateway.models import Proof

    before = db.query(Proof).count()
    response = issue(client, obama, unit_numbers=units)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code and message in response.json()["error"]["message"]
    db.expire_all()
    assert db.query(Proof).count() == before


def test_unknown_purpose_is_refused(client, obama):
    response = issue(client, obama, purpose="curiosity")
    assert response.status_code == 422


def test_no_property_proof_in_english_is_sealed(client, hall, token_for, pki, nss, tmp_path):
    kit = {**hall, "X-Applicant-Token": token_for(KIT)}
    body = issue(client, kit, kind="no_property", purpose="household").json()
    pdf = fetch(client, kit, body["document_url"] + "?language=en")
    assert_genuine(client, pdf, pki, nss, tmp_path, "no_property")
    text = pdftotext(pdf, tmp_path)
    assert "Certificate of No Registered Property" in text and "Household registration" in text


def test_a_proof_is_only_sealed_for_its_own_holder(client, obama, hall, token_for):
    body = issue(client, obama).json()
    other = {**hall, "X-Applicant-Token": token_for(BIDEN)}
    response = client.get(urlparse(body["document_url"]).path, headers=other)
    assert response.status_code == 404 and response.json()["error"]["code"] == "proof_not_found"


def test_mortgage_registration_proof_is_sealed(client, app, credentials, pki, nss, tmp_path):
    with make_sessionmaker(app.state.engine)() as session:
        seed_bank_demo(session, "demo-bank-01")
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}
    biden = {**bank, "X-Applicant-Token": applicant(client, bank, BIDEN)}
    (recorded,) = [m for m in client.get("/v1/bank/my-mortgages", headers=biden).json()["mortgages"]
                   if m["certificate_ready"]]
    pdf = fetch(client, biden, f"/v1/bank/my-mortgages/{recorded['case_id']}/certificate.pdf")
    assert_genuine(client, pdf, pki, nss, tmp_path, "mortgage_certificate")
    text = pdftotext(pdf, tmp_path)
    assert "不动产登记证明（抵押权）" in text and "1,200,000.00 元" in text and "沪（" in text


def test_acceptance_receipt_is_sealed(client, obama, pki, nss, tmp_path):
    case = next(c for c in client.get("/v1/cases", headers=obama).json()["cases"] if c["status"] == "received")
    pdf = fetch(client, obama, f"/v1/cases/{case['case_id']}/acceptance-receipt.pdf")
    page = assert_genuine(client, pdf, pki, nss, tmp_path, "acceptance_receipt")
    assert case["case_id"] in page
    text = pdftotext(pdf, tmp_path)
    assert "不动产登记受理回执" in text and "10 个工作日" in text and case["case_id"] in text


def test_e_certificate_is_sealed_and_its_identifier_checks(client, obama, pki, nss, tmp_path):
    case = next(c for c in client.get("/v1/cases", headers=obama).json()["cases"]
                if c["status"] == "certificate_ready")
    link = client.post(f"/v1/cases/{case['case_id']}/e-certificate-links", headers=obama).json()["url"]
    pdf = client.get(urlparse(link).path + "/e-certificate.pdf").content
    assert_genuine(client, pdf, pki, nss, tmp_path, "e_certificate")
    identifier = check_seal(pdf, SealTrust(pki)).ref
    assert identifier.startswith("1.2.156.3005.2.") and case["case_id"] in identifier
    assert identifier in pdftotext(pdf, tmp_path).replace("\n", "")
    assert client.get(f"/verify/e-certificates/{identifier}").status_code == 200
    wrong = identifier[:-1] + ("0" if identifier[-1] != "0" else "1")
    refused = client.get(f"/verify/e-certificates/{wrong}")
    assert refused.status_code == 422 and "check character" in refused.text


def test_verify_tells_altered_foreign_and_revoked_apart(client, obama, app, pki, tmp_path):
    pdf = fetch(client, obama, issue(client, obama).json()["document_url"])
    assert upload(client, flip_signed_byte(pdf))[0] == "altered"
    other = make_pki(tmp_path / "other", ca_name="Another CA")
    app.state.seal_trust = SealTrust(other)  # as if the file came from a centre whose CA this gateway trusts not
    assert upload(client, pdf)[0] == "foreign"
    revoked = copy_pki(pki, tmp_path / "revoked")
    seal_pki.revoke_seal(revoked)
    app.state.seal_trust = SealTrust(revoked)
    verdict, found, page = upload(client, pdf)
    assert verdict == "revoked" and not found and "已被吊销" in page
    app.state.seal_trust = SealTrust(pki)
    assert upload(client, pdf)[0] == "valid"


def test_verify_refuses_files_that_are_not_sealed_pdfs(client):
    assert upload(client, b"hello")[0] == "unreadable"
    from gateway.proof_documents import acceptance_receipt_pdf

    unsigned = acceptance_receipt_pdf({
        "case_id": "X1", "title": "t", "applicant_name": "n", "id_number_masked": "1**1", "property_address": "a",
        "received_on": "2026-01-05", "time_limit_working_days": 10, "due_on": "2026-01-19", "office": "o",
        "issued_at": "2026-01-05", "verify_url": "http://testserver/verify"})
    assert upload(client, unsigned)[0] == "unsigned"


def test_the_ca_and_its_crl_are_published(client, pki):
    assert client.get("/seal/ca.pem").content == (pki / seal_pki.CA_CERT).read_bytes()
    assert client.get("/seal/ca.crl").content == (pki / seal_pki.CA_CRL).read_bytes()
    assert client.get("/seal/seal.key").status_code in (404, 422)


def test_without_a_seal_documents_are_not_issued(client, obama, app):
    app.state.seal = None
    response = client.get(urlparse(issue(client, obama).json()["document_url"]).path, headers=obama)
    assert response.status_code == 503 and response.json()["error"]["code"] == "seal_unavailable"


def test_the_case_list_carries_the_restrictions_of_the_cases_property(client, obama):
    cases = client.get("/v1/cases", headers=obama).json()["cases"]
    restricted = {c["status"]: c["restrictions"] for c in cases if c["restrictions"]}
    assert [r["kind"] for r in restricted["certificate_ready"]] == ["seizure"]
    assert restricted["recorded"][0] == {"kind": "mortgage", "holder": "中国建设银行 示范支行",
                                         "amount_fen": 150_000_000, "ends_on": restricted["recorded"][0]["ends_on"]}


LIN = "440305198001163458"


def test_advance_notices_and_objections_are_printed_with_whom_they_name(client, hall, token_for, pki, tmp_path):
    texts = {}
    for id_number in (BIDEN, LIN):
        who = {**hall, "X-Applicant-Token": token_for(id_number)}
        body = issue(client, who, purpose="transaction").json()
        texts[id_number] = pdftotext(fetch(client, who, body["document_url"]), tmp_path).replace("\n", "")
    assert "已办理预告登记，预告权利人：张*（预购商品房买受人）" in texts[BIDEN]
    assert "存在异议登记，异议人：李*（至" in texts[LIN]
    assert "已抵押给招商银行 深圳南山支行，担保债权 980,000.00 元" in texts[LIN]
    assert "异议" not in texts[BIDEN] and "预告" not in texts[LIN]


def test_cancelled_and_lapsed_restrictions_are_no_longer_listed(client, obama, db, tmp_path):
    import datetime as dt

    from gateway.casework import today_in_china
    from gateway.models import PropertyRestriction

    rows = {r.kind: r for r in db.query(PropertyRestriction).join(Property)
            .filter(Property.id_number == OBAMA)}
    yesterday = today_in_china() - dt.timedelta(days=1)
    rows["seizure"].ends_on = yesterday       # a seizure's term has run out: it ends by itself
    rows["mortgage"].ends_on = yesterday      # a mortgage past its debt term stays until it is cancelled
    db.commit()
    entries = client.get("/v1/properties", headers=obama).json()["properties"]
    assert sorted(r["kind"] for e in entries for r in e["restrictions"]) == ["mortgage"]
    cases = client.get("/v1/cases", headers=obama).json()["cases"]
    assert [r["kind"] for c in cases for r in c["restrictions"]] == ["mortgage"]
    rows["mortgage"].in_force = False         # the mortgage is cancelled (注销)
    db.commit()
    assert not any(e["restrictions"] for e in client.get("/v1/properties", headers=obama).json()["properties"])
    assert not any(c["restrictions"] for c in client.get("/v1/cases", headers=obama).json()["cases"])
    text = pdftotext(fetch(client, obama, issue(client, obama).json()["document_url"]), tmp_path)
    assert "查封" not in text and "已抵押" not in text
