"""Column arithmetic of receipt lines: full-width characters take two columns, nothing overflows the paper."""
from hypothesis import assume, given, settings, strategies as st

from peripherals.printer.layout import row_lines, text_columns, wrap


def test_columns_count_full_width_twice():
    assert text_columns("契税 80") == 2 + 2 + 1 + 2
    assert text_columns("“”￥") == 6


def test_wrap_never_splits_a_character():
    assert wrap("不动产登记", 4) == ["不动", "产登", "记"]


def test_row_with_room_is_one_line():
    assert row_lines("契税", "80.00", 20) == ["契税" + " " * 11 + "80.00"]


def test_row_without_room_puts_the_value_on_its_own_line():
    lines = row_lines("住宅专项维修资金", "12,500.00", 20)
    assert lines == ["住宅专项维修资金", " " * 11 + "12,500.00"]


text = st.text(st.sampled_from("ab 1不动产，。￥-"), max_size=80)


@settings(deadline=None)
@given(text, text, st.sampled_from([32, 48]))
def test_row_lines_fit_and_keep_every_character(left, right, columns):
    lines = row_lines(left, right, columns)
    assert all(text_columns(line) <= max(columns, text_columns(right)) for line in lines)
    joined = "".join(lines).replace(" ", "")
    assert joined == (left + right).replace(" ", "")


def test_closing_punctuation_never_starts_a_line_nor_opening_ends_one():
    assert wrap("不动产登记中心。", 14) == ["不动产登记中", "心。"]
    assert wrap("登记《不动产》", 6) == ["登记", "《不动", "产》"]
    assert wrap("甲乙丙丁戊）」。", 12) == ["甲乙丙丁", "戊）」。"]


def test_ascii_words_move_down_whole_and_continuations_hang():
    assert wrap("the quick brown fox jumps over", 12) == ["the quick", "brown fox", "jumps over"]
    assert wrap("abcdefghijklmnopqrstuvwxyz", 10) == ["abcdefghij", "klmnopqrst", "uvwxyz"]
    assert wrap("3. 土地出让合同及缴款凭证（原件及复印件各一份，需加盖公章）", 48, indent=3) == [
        "3. 土地出让合同及缴款凭证（原件及复印件各一份，", "   需加盖公章）"]


@settings(deadline=None)
@given(st.text(st.sampled_from("ab 1不动产，。（《》）“”￥-"), max_size=120), st.integers(4, 48),
       st.integers(0, 12))
def test_wrap_fits_and_keeps_every_character(text, columns, indent):
    lines = wrap(text, columns, indent)
    assert all(text_columns(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(deadline=None)
@given(st.lists(st.sampled_from(["不动产", "登记", "。", "，", "（证明）", "《条例》", "“引号”"]), max_size=30),
       st.integers(12, 48))
def test_wrap_breaks_chinese_by_the_rules(words, columns):
    from peripherals.printer.layout import NO_LINE_END, NO_LINE_START, text_columns
    text = "".join(words)
    # A run of marks wider than a line with its neighbours cannot move down whole: wrap() then breaks where the paper
    # ends (its documented fallback), so the rule holds only where the run fits.
    marks = NO_LINE_START | NO_LINE_END
    runs = "".join(ch if ch in marks else " " for ch in text).split()
    assume(all(text_columns(run) + 4 <= columns for run in runs))
    lines = wrap(text, columns)
    for before, after in zip(lines, lines[1:]):
        assert after[0] not in NO_LINE_START and before[-1] not in NO_LINE_END, (before, after)
