"""The business catalogue: the shipped file validates, a broken entry is refused with a precise line, the API serves it."""
from __future__ import annotations

import tomllib

import pytest

from gateway.app import create_app
from gateway.business_catalogue import DEFAULT_PATH, CatalogueError, load_catalogue, parse_catalogue
from gateway.casework import KINDS
from gateway.settings import GatewaySettings

SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")


def test_the_shipped_catalogue_has_the_four_businesses_with_fetched_and_captured_materials():
    catalogue = load_catalogue()
    assert set(catalogue.codes) == {"mortgage_cancellation", "change_of_name_or_address", "certificate_replacement",
                                    "second_hand_sale_pre_application"}
    for business in catalogue.business:
        assert business.case_kind in KINDS
        assert business.captured_materials, business.code
        assert {m.fetched_from for m in business.fetched_materials} >= {"card", "registration", "kiosk_form"}
        assert business.field("applicant_id_number").source == "card.id_number"
    cancellation = catalogue.get("mortgage_cancellation")
    assert cancellation.time_limit_working_days == 5
    assert cancellation.material("mortgage_release").fetched_from == "bank"
    assert [m.code for m in cancellation.captured_materials] == ["mortgage_certificate", "certificate_original"]
    assert cancellation.fees == ()
    sale = catalogue.get("second_hand_sale_pre_application")
    assert sale.receipt == "pre_acceptance"
    assert sale.material("marriage_record").fetched_from == "civil_affairs"
    assert {fee.assessed_by for fee in sale.fees} == {None, "tax"}


def test_a_new_business_is_a_new_entry():
    text = SHIPPED + '''
[[business]]
code = "seizure_notice"
title_zh = "测试业务"
title_en = "Test business"
case_kind = "cancellation"
time_limit_working_days = 3
receipt = "acceptance"
co_applicants = "none"
  [[business.fields]]
  name = "applicant_name"
  label_zh = "姓名"
  label_en = "Name"
  kind = "text"
  source = "card.name"
  [[business.materials]]
  code = "letter"
  title_zh = "函件"
  title_en = "Letter"
'''
    catalogue = parse_catalogue(text)
    assert catalogue.get("seizure_notice").captured_materials[0].code == "letter"


@pytest.mark.parametrize("change, expected", [
    (('source = "bank.mortgagee"', 'source = "police.mortgagee"'),
     "business[mortgage_cancellation].fields[mortgagee]: field mortgagee: unknown source 'police'"),
    (('source = "card.name"', 'source = "card.photo"'), "the card has no 'photo'"),
    (('case_kind = "cancellation"', 'case_kind = "divorce"'), "case_kind 'divorce' is not a case kind"),
    (('fetched_from = "bank"', 'fetched_from = "bnak"'), "business[mortgage_cancellation].materials[mortgage_release]"),
    (('amount_fen = 8000', 'amount_fen = 8000\n  assessed_by = "tax"'), "give either amount_fen or assessed_by"),
    (('time_limit_working_days = 5 ', 'time_limit_working_days = 0 '), "time_limit_working_days"),
    (('code = "change_of_name_or_address"', 'code = "mortgage_cancellation"'),
     "business mortgage_cancellation appears twice"),
    (('label_en = "Phone number"', 'label_en = "Phone number"\n  colour = "red"'), "colour"),
])
def test_a_broken_entry_is_refused_naming_the_entry_and_the_problem(change, expected):
    old, new = change
    assert old in SHIPPED
    with pytest.raises(CatalogueError) as failure:
        parse_catalogue(SHIPPED.replace(old, new, 1), "businesses.toml")
    assert str(failure.value).startswith("businesses.toml: ")
    assert expected in str(failure.value)


def test_a_file_that_is_not_toml_is_refused():
    with pytest.raises(CatalogueError, match="not valid TOML"):
        parse_catalogue("[[business]\ncode = ", "x.toml")


def test_the_gateway_refuses_to_start_on_a_bad_catalogue(tmp_path, engine):
    bad = tmp_path / "businesses.toml"
    bad.write_text(SHIPPED.replace('receipt = "acceptance"', 'receipt = "maybe"', 1), encoding="utf-8")
    with pytest.raises(CatalogueError, match="receipt"):
        create_app(GatewaySettings(business_catalogue=str(bad), alert_check_interval_s=0), engine=engine)


def test_the_kiosk_api_serves_the_catalogue(client, hall):
    assert client.get("/v1/businesses").status_code == 401
    listed = client.get("/v1/businesses", headers=hall).json()["businesses"]
    assert [b["code"] for b in listed] == [b["code"] for b in tomllib.loads(SHIPPED)["business"]]
    one = client.get("/v1/businesses/mortgage_cancellation", headers=hall).json()
    captured = {m["code"]: m["captured"] for m in one["materials"]}
    assert captured["mortgage_certificate"] is True and captured["mortgage_release"] is False
    missing = client.get("/v1/businesses/no_such_thing", headers=hall)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "business_not_found"
