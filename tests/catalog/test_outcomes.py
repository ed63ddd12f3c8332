"""Outcomes' own titles, take-away prompts and next steps; countdowns in words; Beijing time; the formal wording."""
from __future__ import annotations

import datetime as dt

from catalog import i18n, outcomes
from catalog.beijing_time import beijing
from catalog.durations import time_left
from kiosk.flows.proof import KINDS


def test_a_countdown_reads_as_minutes_and_seconds_left_not_a_clock_time():
    assert time_left(898, "zh_CN") == "剩余 14 分 58 秒"
    assert time_left(898, "en") == "14 min 58 s left"
    assert time_left(60, "zh_CN") == "剩余 1 分钟" and time_left(9, "zh_CN") == "剩余 9 秒"
    assert time_left(-3, "en") == "0 s left" and time_left(None, "zh_CN") == ""
    assert ":" not in i18n.text("pay.countdown", "zh_CN", time=time_left(898, "zh_CN")).split("：", 1)[1]


def test_beijing_time_is_eight_hours_ahead_of_utc_and_a_naive_time_is_utc():
    assert beijing(dt.datetime(2026, 12, 3, 16, 50)) == "2026-12-04 00:50"
    aware = dt.datetime(2026, 12, 3, 16, 50, tzinfo=dt.timezone.utc)
    assert beijing(aware, "%H:%M") == "00:50"


def test_every_refusal_and_cancellation_has_its_own_title_and_none_is_thank_you():
    for outcome in ("payment_cancelled", "payment_expired", "properties_exist", "no_properties",
                    "proof_not_printed", "service_unavailable", "certificate_not_issued", "case_not_payable"):
        key = outcomes.title_key(outcome)
        assert key in i18n.CATALOG, outcome
        for language in i18n.LANGUAGES:
            assert i18n.text(key, language) != i18n.text("done.title", language), (outcome, language)
    titles = {outcomes.title_key(o) for o in ("payment_cancelled", "properties_exist", "payment_done")}
    assert len(titles) == 3, "a cancellation, a refusal and a success are told apart by their titles"


def test_the_take_away_prompt_names_what_was_printed():
    assert "A4" in i18n.text(outcomes.take_away_key("proof_printed"), "zh_CN")
    assert "凭条" not in i18n.text(outcomes.take_away_key("proof_printed"), "zh_CN")
    assert "缴费凭条" in i18n.text(outcomes.take_away_key("payment_done"), "zh_CN")


def test_the_no_property_refusal_offers_the_proof_of_the_property_as_its_next_step():
    service, label = outcomes.next_step("properties_exist", ("proof", "payment"))
    assert service == "proof" and i18n.text(label, "zh_CN") == "打印名下房产证明"
    assert "property_record" in KINDS
    assert outcomes.next_step("properties_exist", ("payment",)) is None, "only a service the site offers"
    assert outcomes.next_step("payment_done", ("proof",)) is None


def test_the_catalog_uses_the_formal_terms_chosen():
    zh = [entry[0] for entry in i18n.CATALOG.values()]
    for casual in ("办完了", "不缴了", "钱没有扣", "没能对上", "下载好了", "柜门", "案件", "电子证书", "领证凭条"):
        assert not any(casual in text for text in zh), casual
    assert i18n.text("button.done", "zh_CN") == "结束办理"
    assert i18n.text("pay.cancel", "zh_CN") == "取消缴费"
    assert "本次未扣款" in i18n.text("payment_cancelled", "zh_CN")
    assert i18n.text("no_match", "zh_CN").startswith("人脸比对未通过")
    assert i18n.text("e_cert.done", "zh_CN") == "已下载"


def test_fee_names_and_case_kinds_have_english():
    for code in ("deed_tax", "registration_fee", "maintenance_fund"):
        english = i18n.text(f"fee.{code}", "en")
        assert english and english.isascii(), code
    for kind in ("mortgage", "transfer", "first_registration", "change", "cancellation"):
        assert i18n.text(f"kind.{kind}", "en").isascii()
