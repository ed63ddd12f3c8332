"""Masking on screen and in logs."""
from __future__ import annotations

import logging

from kiosk.logs import configure_logging
from kiosk.privacy import PersonalDataFilter, mask_address, mask_id_number, mask_name, scrub_text


def test_masks():
    assert mask_id_number("110105196108041235") == "1101**********1235"
    assert mask_id_number("GBR110861226013") == "GBR1*******6013"
    assert mask_id_number("1234") == "****"
    assert mask_id_number(None) == ""
    assert mask_name("欧阳明") == "欧**"
    assert mask_name("LESLIE, ROSE") == "L*****, R***"
    assert mask_name("贝拉克·奥巴马") == "贝**·奥**"
    assert mask_name("") == ""
    assert mask_address("北京市朝阳区建国路88号3号楼") == "北京市朝阳区********"


def test_scrub_catches_id_numbers_in_free_text():
    text = "lookup 110105196108041235 and 11010519610804123X failed; order 1234567890"
    assert scrub_text(text) == "lookup 1101**********1235 and 1101**********123X failed; order 1234567890"
    assert scrub_text("old card 110105610804123") == "old card 1101*******4123"


def test_filter_rewrites_records(caplog):
    logger = logging.getLogger("kiosk.test.privacy")
    logger.addFilter(PersonalDataFilter())
    try:
        with caplog.at_level(logging.INFO, logger="kiosk.test.privacy"):
            logger.info("card %s read", "110105196108041235")
    finally:
        logger.filters.clear()
    assert "110105196108041235" not in caplog.text
    assert "1101**********1235" in caplog.text


def test_configured_logging_masks_in_the_log_file(tmp_path):
    log = tmp_path / "kiosk.log"
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        configure_logging("INFO", log)
        logging.getLogger("kiosk.test").warning("id %s", "310115194211202341")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    content = log.read_text(encoding="utf-8")
    assert "310115194211202341" not in content and "3101**********2341" in content
