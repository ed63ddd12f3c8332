"""Exact bytes of each ESC/POS command the receipt printer sends (python-escpos Dummy style: a memory connector)."""
import pytest
from escpos.printer import Dummy

from peripherals.printer.commands import ReceiptCommands, build_job
from peripherals.printer.connectors import MemoryConnector
from peripherals.printer.layout import Cut, Feed, Row, Rule, Text


@pytest.fixture
def printer():
    return ReceiptCommands(MemoryConnector())


def out(printer) -> bytes:
    return bytes(printer.connector.buffer)


def test_initialize(printer):
    printer.initialize()
    assert out(printer) == b"\x1b\x40"


@pytest.mark.parametrize("where, byte", [("left", 0), ("center", 1), ("right", 2)])
def test_align(printer, where, byte):
    printer.align(where)
    assert out(printer) == b"\x1b\x61" + bytes([byte])


def test_bold(printer):
    printer.bold(True)
    printer.bold(False)
    assert out(printer) == b"\x1b\x45\x01\x1b\x45\x00"


def test_double_size_uses_gs_bang_which_scales_chinese_too(printer):
    printer.double_size(True)
    printer.double_size(False)
    assert out(printer) == b"\x1d\x21\x11\x1d\x21\x00"


def test_ascii_line_goes_as_is(printer):
    printer.line("Total 12.00")
    assert out(printer) == b"Total 12.00\n"


def test_chinese_line_is_gb18030_after_fs_ampersand_once(printer):
    printer.line("收据")
    printer.line("合计")
    assert out(printer) == b"\x1c\x26" + "收据".encode("gb18030") + b"\n" + "合计".encode("gb18030") + b"\n"
    assert "收据".encode("gb18030") == b"\xca\xd5\xbe\xdd"


def test_chinese_line_without_fs_ampersand_when_configured_off():
    printer = ReceiptCommands(MemoryConnector(), chinese_mode_command=False)
    printer.line("收据")
    assert out(printer) == b"\xca\xd5\xbe\xdd\n"


def test_full_width_punctuation_alone_is_gb18030_not_a_code_page_question_mark(printer):
    printer.line("，。！")
    assert out(printer) == b"\x1c\x26\xa3\xac\xa1\xa3\xa3\xa1\n"
    # python-escpos 3.1 guesses by U+4E00..U+9FA5 only and falls back to a code page: the line prints as '?'.
    dummy = Dummy()
    dummy.text("，。！\n")
    assert b"?" in dummy.output


def test_rare_character_outside_gb2312_uses_gb18030_four_byte_code(printer):
    printer.line("㐀")  # U+3400, CJK extension A: outside GBK
    assert out(printer) == b"\x1c\x26\x81\x39\xee\x39\n"
    dummy = Dummy()
    dummy.text("㐀\n")
    assert b"?" in dummy.output


def test_initialize_forgets_chinese_mode(printer):
    printer.line("收")
    printer.initialize()
    printer.line("收")
    assert out(printer).count(b"\x1c\x26") == 2


def test_leave_chinese_mode(printer):
    printer.leave_chinese_mode()
    assert out(printer) == b"\x1c\x2e"


def test_feed(printer):
    printer.feed(3)
    assert out(printer) == b"\x1b\x64\x03"
    with pytest.raises(ValueError, match=r"^feed: 0\.\.255 lines$"):
        printer.feed(256)


def test_cut_feeds_to_the_cutter_then_cuts(printer):
    printer.cut_paper()
    assert out(printer) == b"\x1d\x56\x42\x00"


def test_native_qr_is_gs_paren_k_centred_with_esc_a(printer):
    printer.qr_code("https://gw.example/verify/ABC", size=6)
    data = b"https://gw.example/verify/ABC"
    assert out(printer) == (
        b"\x1b\x61\x01"                                      # ESC a 1: centre
        + b"\x1b\x64\x01"                                    # ESC d 1: a blank line, the quiet zone above
        + b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00"            # model 2
        + b"\x1d\x28\x6b\x03\x00\x31\x43\x06"                # module size 6
        + b"\x1d\x28\x6b\x03\x00\x31\x45\x31"                # error correction M
        + b"\x1d\x28\x6b" + bytes([len(data) + 3, 0]) + b"\x31\x50\x30" + data   # store
        + b"\x1d\x28\x6b\x03\x00\x31\x51\x30"                # print
        + b"\x1b\x64\x01")                                   # and below


def test_a_large_module_size_feeds_more_quiet_zone(printer):
    printer.qr_code("X", size=8)  # 4 modules = 32 dots: more than one 30-dot line
    data = out(printer)
    assert data.startswith(b"\x1b\x61\x01\x1b\x64\x02") and data.endswith(b"\x1b\x64\x02")


def test_image_qr_fallback_is_the_centred_symbol_between_blank_lines(printer):
    printer.qr_code("https://gw.example/verify/ABC", size=4, native=False)
    data = out(printer)
    assert data.startswith(b"\x1b\x61\x01\x1b\x64\x01\x1d\x76\x30\x00")
    width_bytes = data[10] | data[11] << 8
    height = data[12] | data[13] << 8
    assert height % 4 == 0 and height // 4 in (25, 29, 33)  # a version 2..4 symbol, 4 dots a module, no border
    assert width_bytes == -(-height // 8)
    assert len(data) == 14 + width_bytes * height + 3 and data.endswith(b"\x1b\x64\x01")


def test_module_size_shrinks_so_the_side_quiet_zones_fit_narrow_paper():
    narrow = ReceiptCommands(MemoryConnector(), paper_width_mm=58)  # 384 dots
    content = "https://gateway.example/e-invoice/" + "A" * 150  # a version 9 symbol: 53 modules
    narrow.qr_code(content, size=8)
    assert b"\x1d(k\x03\x001C\x06" in bytes(narrow.connector.buffer)  # (53 + 8) x 6 = 366 <= 384 dots
    largest = ReceiptCommands(MemoryConnector(), paper_width_mm=58)
    largest.qr_code("x" * 2331)  # version 40: 177 modules
    assert b"\x1d(k\x03\x001C\x02" in bytes(largest.connector.buffer)  # (177 + 8) x 2 = 370 <= 384 dots


def test_qr_refuses_empty_content(printer):
    with pytest.raises(ValueError, match="^qr_code: empty content$"):
        printer.qr_code("")


def test_status_query_is_dle_eot_n():
    class OneReply(MemoryConnector):
        readable = True

        def read(self, n=1):
            return b"\x12"

    printer = ReceiptCommands(OneReply())
    assert printer.query_status_byte(4) == 0x12
    assert out(printer) == b"\x10\x04\x04"


def test_row_puts_the_amount_flush_right_with_a_tab_stop(printer):
    printer.print_elements([Row("契税", "￥80.00")])
    # 契税 and ￥ are two columns each: the amount takes columns 41..47 of 48.
    assert out(printer) == (b"\x1c\x26" + "契税".encode("gb18030") + b"\x1b\x44\x29\x00\x09"
                            + "￥80.00".encode("gb18030") + b"\n")


def test_a_short_gap_is_sent_as_spaces(printer):
    printer.print_elements([Row("A" * 38, "1234567")])
    assert out(printer) == b"A" * 38 + b"   1234567\n"


def test_rule_fills_the_paper_width():
    for width, columns in ((80, 48), (58, 32)):
        assert build_job([Rule()], paper_width_mm=width, initialize=False) == b"-" * columns + b"\n"


def test_text_element_styles_and_restores():
    assert build_job([Text("AB", "center", bold=True, double=True), Text("C")], initialize=False) == (
        b"\x1b\x61\x01\x1b\x45\x01\x1d\x21\x11AB\n\x1d\x21\x00\x1b\x45\x00\x1b\x61\x00C\n")


def test_job_starts_with_initialize_and_ends_with_cut():
    job = build_job([Text("A"), Feed(2), Cut()])
    assert job == b"\x1b\x40A\n\x1b\x64\x02\x1d\x56\x42\x00"


def test_control_bytes_in_text_are_never_sent_as_commands(printer):
    printer.line("A\x1bd\x09B\x1dV\x00收\x10\x04")
    assert out(printer) == b"\x1c\x26" + "A d B V 收  ".encode("gb18030") + b"\n"


def test_qr_refuses_more_than_a_symbol_holds(printer):
    with pytest.raises(ValueError, match="2331"):
        printer.qr_code("x" * 2332)
    assert out(printer) == b""
