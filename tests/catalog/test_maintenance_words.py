"""Maintenance results and log entries in plain words (catalog.maintenance_words)."""
from __future__ import annotations

from catalog import i18n
from catalog.maintenance_words import detail_keys, source_key
from peripherals.status import CompletionCode


def test_every_completion_code_of_a_test_page_has_words_in_both_languages():
    for code in CompletionCode:
        key, values = detail_keys(f"test page: {code.value}")
        assert key == "maint.result.test_page" and values == {"code": code.value}
        for language in i18n.LANGUAGES:
            assert i18n.text(f"maint.code.{code.value}", language) != f"maint.code.{code.value}"
    assert i18n.text("maint.result.test_page", "zh_CN", result=i18n.text("maint.code.no_media", "zh_CN")) \
        == "测试页：缺纸"


def test_a_detail_without_words_is_left_to_be_shown_as_technical():
    assert detail_keys("OSError: [Errno 5]") is None and detail_keys("test page: melted") is None


def test_a_log_source_names_its_device():
    assert source_key("peripherals.printer.escpos") == "device.receipt_printer"
    assert source_key("peripherals.idcard.reader") == "device.card_reader"
    assert source_key("kiosk.session") is None
