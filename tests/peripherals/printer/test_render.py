"""The PNG preview: QR codes decode with independent decoders; Chinese comes out as glyphs, not boxes or '?'."""
import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont
from pyzbar import pyzbar

from kiosk.documents.receipts import sample_payment_receipt
from peripherals.printer.commands import build_job
from peripherals.printer.layout import QrCode, Text
from peripherals.printer.render import CELL_H, FONT_PATH, MARGIN, render_receipt

URL = "https://gateway.example/e-invoice/PO-20261123-0001"


def decode_all(image):
    zx = {r.text for r in zxingcpp.read_barcodes(image)}
    zb = {r.data.decode() for r in pyzbar.decode(image.convert("L"))}
    return zx, zb


@pytest.mark.parametrize("native", [True, False])
def test_payment_receipt_qr_decodes_with_zxing_and_zbar(native):
    image = render_receipt(build_job(sample_payment_receipt(), native_qr=native))
    zx, zb = decode_all(image)
    assert zx == {URL} and zb == {URL}


def test_python_escpos_default_image_qr_renders_and_decodes_too():
    from escpos.printer import Dummy
    dummy = Dummy()
    dummy.qr(URL, size=4)
    zx, zb = decode_all(render_receipt(dummy.output))
    assert zx == {URL}


def test_qr_is_centred():
    image = render_receipt(build_job([QrCode("centre", 6)], initialize=False))
    ink = np.where(np.array(image) < 128)[1]
    left, right = ink.min() - MARGIN, image.width - MARGIN - 1 - ink.max()
    assert abs(left - right) <= 6


def _line_pixels(data: bytes) -> np.ndarray:
    return np.array(render_receipt(data))[MARGIN:MARGIN + CELL_H, MARGIN:-MARGIN]


def test_chinese_glyphs_are_drawn_from_the_cjk_font_not_tofu():
    font = ImageFont.truetype(str(FONT_PATH), CELL_H)
    for ch in "缴费凭证合计契税，。￥":
        assert font.getmask(ch).getbbox() is not None
        assert bytes(font.getmask(ch)) != bytes(font.getmask("\U0010FFFD"))  # not the missing-glyph box
    rendered = _line_pixels(build_job([Text("缴费凭证")], initialize=False)).astype(int)

    def drawn(ch):  # the character drawn directly with the font in a 24-dot cell
        cell = Image.new("L", (24, CELL_H), 255)
        ImageDraw.Draw(cell).text((12, 12), ch, font=font, fill=0, anchor="mm")
        return np.array(cell).astype(int)

    for i, ch in enumerate("缴费凭证"):
        cell = rendered[:, i * 24:(i + 1) * 24]
        own = np.abs(cell - drawn(ch)).mean()
        others = [np.abs(cell - drawn(other)).mean() for other in "缴费凭证口\U0010FFFD?" if other != ch]
        assert own < 8 and own < min(others) / 3, (ch, own, others)


def test_gb18030_without_chinese_mode_renders_as_the_garbage_a_printer_would_print():
    with_mode = _line_pixels(build_job([Text("缴费")], initialize=False))
    without = _line_pixels(b"\xbd\xc9\xb7\xd1\n")  # the same bytes with no FS &: code page 437
    assert not np.array_equal(with_mode, without)


def test_full_width_punctuation_is_not_a_question_mark():
    punctuation = _line_pixels(build_job([Text("，。")], initialize=False))
    question = _line_pixels(b"??\n")
    assert not np.array_equal(punctuation[:, :48], question[:, :48])


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

PIECES = [b"\x1b@", b"\x1ba\x01", b"\x1bE\x01", b"\x1d!\x77", b"\x1d!\x00", b"\x1c&", b"\x1c.", b"\x1bt\x10",
          b"\x1b3\x00", b"\x1bd\x05", b"\x1bJ\x40", b"\n", b"\x1dVB\x00", "收据，".encode("gb18030"), b"abc",
          b"\x1d(k\x03\x001C\x10", b"\x1d(k\x03\x001E3", b"\x1d(k\x07\x001P0abcd", b"\x1d(k\x03\x001Q0",
          b"\x1dv0\x00\x02\x00\x03\x00" + bytes(6), b"\x1dv0\x00\x00\x00\x03\x00", b"\x10\x04\x01",
          b"\x1bD\x02\x30\xff\x00", b"\x1bD\x00", b"\t", b"\t\t\t\t\t\t\t",
          b"\x1d(k\x13\x1c1P0" + b"7" * 7188]  # more than a QR symbol holds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=12)), max_size=30))
def test_renderer_survives_any_byte_stream(parts):
    image = render_receipt(b"".join(parts))
    assert image.width == 576 + 2 * MARGIN and image.height > 0


def test_qr_with_more_data_than_a_symbol_holds_prints_nothing():
    image = render_receipt(PIECES[-1] + b"\x1d(k\x03\x001Q0")
    assert zxingcpp.read_barcodes(image) == []


def test_a_tab_row_prints_exactly_like_the_row_padded_with_spaces():
    from peripherals.printer.layout import Row
    tabbed = build_job([Row("契税", "￥80.00")], initialize=False)
    assert b"\x1bD" in tabbed and b"\t" in tabbed
    padded = b"\x1ba\x00\x1c&" + "契税".encode("gb18030") + b" " * 37 + "￥80.00".encode("gb18030") + b"\n"
    assert np.array_equal(np.array(render_receipt(tabbed)), np.array(render_receipt(padded)))


@pytest.mark.parametrize("native", [True, False])
def test_the_qr_has_a_blank_quiet_zone_of_four_modules_all_round(native):
    size = 6
    image = render_receipt(build_job([Text("扫码查看电子发票", "center"), QrCode(URL, size),
                                      Text("终端 demo-hall-01", "center")], native_qr=native))
    [result] = zxingcpp.read_barcodes(image)
    corners = [result.position.top_left, result.position.top_right, result.position.bottom_left,
               result.position.bottom_right]
    left, right = min(c.x for c in corners), max(c.x for c in corners)
    top, bottom = min(c.y for c in corners), max(c.y for c in corners)
    pixels = np.array(image.convert("L"))
    quiet = 4 * size
    frame = pixels[top - quiet:bottom + quiet + 1, left - quiet:right + quiet + 1].copy()
    frame[quiet:-quiet, quiet:-quiet] = 255  # the symbol itself
    assert frame.min() > 128, "ink within 4 modules of the symbol"
