"""Chinese line breaking: no punctuation at a line start, Latin words whole, nothing wider than the width."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from screens.linebreak import NO_LINE_END, NO_LINE_START, break_lines, has_cjk, units


def measure(piece: str) -> float:
    return sum(10 if ch.isascii() else 20 for ch in piece)


def test_full_stop_never_starts_a_line():
    # 16 characters at 20 px in 300 px: 15 fit, and the full stop would land alone on line two; "理" goes
    # down with it, and "办" too so that no character stands alone.
    text = "本机暂停服务，请到人工窗口办理。"
    lines = break_lines(text, 300, measure).split("\n")
    assert lines == ["本机暂停服务，请到人工窗口", "办理。"]


def test_no_single_character_alone_on_the_last_line():
    lines = break_lines("请到人工窗口办理业务，谢谢", 240, measure).split("\n")  # 12 of 13 fit: "谢" moves down
    assert lines == ["请到人工窗口办理业务，", "谢谢"]


def test_a_term_of_the_glossary_stays_on_one_line():
    lines = break_lines("请把身份证放在下方的读卡区", 240, measure).split("\n")  # 12 of 13 fit
    assert lines == ["请把身份证放在下方的", "读卡区"]
    for width in range(100, 400, 20):  # the longest term is 80 wide
        for line in break_lines("状态：待缴税费，请在读卡区放身份证", width, measure).split("\n"):
            assert not line.startswith(("费", "税费", "卡区", "区", "份证", "证")), (width, line)


def test_an_amount_is_never_split_from_its_sign():
    for width in range(120, 420, 10):
        lines = break_lines("应付金额：￥52,500.00，请核对", width, measure).split("\n")
        assert any("￥52,500.00" in line for line in lines), (width, lines)
        assert "￥" not in [line.strip() for line in lines]


def test_a_short_bracketed_phrase_stays_whole():
    text = "不动产登记资料查询结果证明（名下房产）"
    for width in range(200, 460, 20):
        lines = break_lines(text, width, measure).split("\n")
        assert any("（名下房产）" in line for line in lines), (width, lines)


def test_a_whole_piece_wider_than_the_line_still_breaks():
    lines = break_lines("￥123,456,789.00", 60, measure).split("\n")
    assert len(lines) > 1 and "".join(lines) == "￥123,456,789.00"


def test_latin_words_and_numbers_stay_whole():
    lines = break_lines("业务编号：BDC2026000101 已受理", 200, measure).split("\n")
    assert "BDC2026000101" in lines[1]
    assert all(measure(line) <= 200 for line in lines)


def test_text_that_fits_is_unchanged():
    assert break_lines("您好，欧**", 1000, measure) == "您好，欧**"
    assert break_lines("第一行\n第二行", 1000, measure) == "第一行\n第二行"


def test_has_cjk():
    assert has_cjk("Hello 中文") and not has_cjk("Hello")
    assert units("ab 中文 cd") == ["ab", " ", "中", "文", " ", "cd"]


@given(st.text(alphabet="不动产登记自助服务，。、：（）《》ab1 ", max_size=100), st.integers(min_value=40, max_value=400))
def test_rules_hold_for_any_text(text, width):
    result = break_lines(text, width, measure)
    assert result.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    lines = result.split("\n")
    for i, line in enumerate(lines):
        pieces = [u for u in units(line) if not u.isspace()]
        if len(pieces) > 2 and not any(p[0] in NO_LINE_START for p in pieces):
            assert measure(line) <= width
        if i > 0 and line and len(lines[i - 1]) > 1:
            assert line[0] not in NO_LINE_START or len(units(lines[i - 1])) <= 1
        if i < len(lines) - 1 and len(line) > 1:
            assert line[-1] not in NO_LINE_END
