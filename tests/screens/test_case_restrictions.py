"""The case list says a restriction on the case's property in plain words, in both languages (screens.cases)."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.cases import Case, Restriction

CASE = {"case_id": "BDC2026010006", "kind": "transfer", "title": "存量房转移登记", "status": "under_review",
        "received_on": "2026-11-16", "deadline": "2026-11-30", "working_days_left": 2, "extension_reason": None,
        "next_action": "wait_for_review", "timeline": [],
        "restrictions": [{"kind": "seizure", "holder": "北京市朝阳区人民法院", "amount_fen": None, "ends_on": "2029-11-24"},
                         {"kind": "mortgage", "holder": "中国建设银行 示范支行", "amount_fen": 150_000_000,
                          "ends_on": None}]}


def test_the_gateway_restrictions_reach_the_case():
    case = Case.from_json(CASE)
    assert case.restrictions == (Restriction("seizure", "北京市朝阳区人民法院", None, dt.date(2029, 11, 24)),
                                 Restriction("mortgage", "中国建设银行 示范支行", 150_000_000, None))
    assert Case.from_json({**CASE, "restrictions": None}).restrictions == ()


@pytest.mark.parametrize("language, seizure, mortgage", [
    ("zh", "该房产已被北京市朝阳区人民法院查封，至2029-11-24，查封期间不能办理转移、抵押",
     "该房产已抵押给中国建设银行 示范支行，担保金额 1,500,000.00 元"),
    ("en", "This property is seized by 北京市朝阳区人民法院 until 2029-11-24; it cannot be sold or mortgaged meanwhile",
     "This property is mortgaged to 中国建设银行 示范支行, securing CNY 1,500,000.00"),
])
def test_restrictions_in_plain_words(language, seizure, mortgage):
    from screens.cases import restriction_text

    seized, mortgaged = Case.from_json(CASE).restrictions
    assert restriction_text(seized, language) == seizure
    assert restriction_text(mortgaged, language) == mortgage
    assert restriction_text(Restriction("unknown", "x"), language) == ""


@pytest.mark.parametrize("language, advance_notice, objection", [
    ("zh", "该房产已办理预告登记（张*（预购商品房买受人））", "有人对该房产的登记提出了异议（李*），至2026-12-08"),
    ("en", "An advance notice is registered on this property (张*（预购商品房买受人）)",
     "Someone has objected to this property's registration (李*) until 2026-12-08"),
])
def test_advance_notices_and_objections_in_plain_words(language, advance_notice, objection):
    from screens.cases import restriction_text

    case = Case.from_json({**CASE, "restrictions": [
        {"kind": "advance_notice", "holder": "张*（预购商品房买受人）", "amount_fen": None, "ends_on": None},
        {"kind": "objection", "holder": "李*", "amount_fen": None, "ends_on": "2026-12-08"}]})
    notice, objected = case.restrictions
    assert restriction_text(notice, language) == advance_notice
    assert restriction_text(objected, language) == objection
