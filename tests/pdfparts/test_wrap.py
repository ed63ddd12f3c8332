"""PDF line wrapping: reportlab's CJK paragraph wrapping, taught Chinese closing punctuation."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.punctuation import NO_LINE_START
from pdfparts import register_cjk_font, wrap
from reportlab.pdfbase.pdfmetrics import stringWidth

NOTICE = "经查询，截至2026年12月03日，本登记机构的不动产登记簿中未记载上述权利人名下的不动产登记信息。"
CLAUSE = "根据《不动产登记暂行条例》等有关法律法规，为保护申请人合法权益，对申请人申请登记的本证明所列"


def test_a_comma_that_would_start_a_line_hangs_at_the_end_of_the_line_before():
    # At 14 characters of 12 pt, reportlab's own (Japanese) table starts the second line with "，".
    assert wrap(NOTICE, 14 * 12, 12) == ["经查询，截至2026年12月03日，", "本登记机构的不动产登记簿中未",
                                         "记载上述权利人名下的不动产登", "记信息。"]


def test_no_line_starts_with_closing_punctuation_at_any_width_and_nothing_is_lost():
    for text in (NOTICE, CLAUSE, "坐落：上海市徐汇区" + "长安新城2期4栋2201室，" * 6):
        for columns in range(4, 60):
            lines = wrap(text, columns * 12, 12)
            assert "".join(lines) == text, columns
            assert not [line for line in lines if line[:1] in NO_LINE_START], (columns, lines)


def test_lines_fit_the_width_but_for_hanging_marks():
    font = register_cjk_font()
    for line in wrap(CLAUSE * 3 + "（演示）。《条例》，", 200, 10.5):
        body = line.rstrip("".join(NO_LINE_START))
        assert stringWidth(body, font, 10.5) <= 200 + 0.01, line


def test_short_text_is_one_line_and_markup_characters_are_text():
    assert wrap("A&B <甲> 乙", 400, 12) == ["A&B <甲> 乙"]
    assert wrap("", 400, 12) == [""]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="不动产登记中心证明，。；：》）A1 ", min_size=1, max_size=80), st.integers(3, 40))
def test_any_mix_of_ideographs_and_punctuation_never_starts_a_line_with_a_closing_mark(text, columns):
    lines = wrap(text, columns * 12, 12)
    assert [line for line in lines[1:] if line[:1] in NO_LINE_START] == []
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # breaks lose white space only
