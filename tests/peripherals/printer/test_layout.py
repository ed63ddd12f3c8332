"""Column arithmetic of receipt lines: full-width characters take two columns, nothing overflows the paper."""
from hypothesis import given, strategies as st

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


@given(text, text, st.sampled_from([32, 48]))
def test_row_lines_fit_and_keep_every_character(left, right, columns):
    lines = row_lines(left, right, columns)
    assert all(text_columns(line) <= max(columns, text_columns(right)) for line in lines)
    joined = "".join(lines).replace(" ", "")
    assert joined == (left + right).replace(" ", "")
