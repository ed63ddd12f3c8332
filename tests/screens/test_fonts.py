"""The CJK font: found or a clear error, and every character the screens show has a real glyph in it."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageFont

from catalog import i18n
from screens import fonts

SIZE = 48


def glyph_mask(font: ImageFont.FreeTypeFont, char: str) -> tuple:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


@pytest.fixture(scope="module")
def font():
    return ImageFont.truetype(str(fonts.find_font(None)), SIZE, index=0)


@pytest.fixture(scope="module")
def notdef(font):
    # A private-use code point no font maps: what a missing glyph looks like (the .notdef box) in this font.
    return glyph_mask(font, "\U0010fffd")


def missing_glyphs(font, notdef, text: str) -> set[str]:
    return {ch for ch in set(text) if not ch.isspace() and glyph_mask(font, ch) == notdef}


def test_the_detector_sees_a_missing_glyph(font, notdef):
    assert missing_glyphs(font, notdef, "\U0010fffd\U000f0001") == {"\U0010fffd", "\U000f0001"}
    assert missing_glyphs(font, notdef, "不动产") == set()


def test_every_catalog_text_renders_with_the_font(font, notdef):
    text = "".join(zh + en for zh, en in i18n.CATALOG.values())
    assert missing_glyphs(font, notdef, text) == set()


def test_demo_data_characters_render(font, notdef):
    # Masked names, ID numbers, dates, and the gateway's Chinese case titles and reasons.
    sample = "欧**白**林**黎**罗*哈**1101**********1235 2026-11-30 存量房买卖转移登记 抵押权首次登记 继承取得首次登记 " \
             "涉及继承公证材料核查，经批准延长办理时限20个工作日 申请材料不齐全：缺少原不动产权证书"
    assert missing_glyphs(font, notdef, sample) == set()


def test_configured_font_must_exist(tmp_path):
    with pytest.raises(fonts.FontNotFound, match="ui.font_path"):
        fonts.find_font(tmp_path / "missing.ttf")
    assert fonts.find_font(fonts.DEFAULT_FONT) == fonts.DEFAULT_FONT


def test_no_font_installed_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "DEFAULT_FONT", tmp_path / "absent.ttc")
    with pytest.raises(fonts.FontNotFound, match="fonts-wqy-microhei"):
        fonts.find_font(None)


def test_default_font_is_the_debian_package_path():
    assert fonts.DEFAULT_FONT == Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
