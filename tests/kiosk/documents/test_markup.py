"""The receipt line markup: directives, and values that can never break out of their field."""
import pytest
from hypothesis import given, settings, strategies as st

from kiosk.documents.markup import MarkupError, escape, parse
from peripherals.printer.layout import Cut, Feed, QrCode, Row, Rule, Text


def test_every_directive():
    assert parse("@text center bold double | 缴费凭证\n@row bold | 合计 | ￥1.00\n@rule =\n@qr 5 | https://x/y\n"
                 "@feed 2\n@cut\n") == [Text("缴费凭证", "center", True, True), Row("合计", "￥1.00", True),
                                        Rule("="), QrCode("https://x/y", 5), Feed(2), Cut()]


@pytest.mark.parametrize("markup, problem", [
    ("plain text", r"line 1: not a directive: 'plain text'"), ("@bogus | x", r"line 1: unknown directive @bogus"),
    ("@row | only one", r"line 1: @row needs two fields"), ("@qr |", r"line 1: @qr needs its content"),
    ("@", r"line 1: empty directive")])
def test_bad_lines_are_template_bugs(markup, problem):
    with pytest.raises(MarkupError, match=problem):
        parse(markup)


@settings(deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_any_value_comes_back_exactly_from_a_row(left, right):
    elements = parse(f"@row | {escape(left)} | {escape(right)}")
    def clean(v):
        return "".join(" " if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" else c
                       for c in v).strip(" ")
    assert elements == [Row(clean(left), clean(right))]


@settings(deadline=None)
@given(st.text(max_size=60))
def test_a_value_cannot_add_a_line_or_a_directive(value):
    elements = parse(f"@text | {escape(value)}\n@cut")
    assert len(elements) == 2 and isinstance(elements[0], Text) and elements[1] == Cut()
