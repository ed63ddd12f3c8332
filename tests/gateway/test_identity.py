"""ID number checks: ASCII digits only, whatever digits Unicode knows."""
from __future__ import annotations

import pytest

from gateway.identity import valid_id_number
from tests.gateway.conftest import KIT, OBAMA


def _in_digits(number: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in number)


def test_well_formed_numbers_are_valid():
    assert valid_id_number(OBAMA)
    assert valid_id_number(KIT)


@pytest.mark.parametrize("zero", ["\uff10", "\u0660", "\u06f0", "\u0966"],
                         ids=["full-width", "arabic-indic", "extended-arabic-indic", "devanagari"])
def test_non_ascii_digits_are_refused(zero):
    assert not valid_id_number(_in_digits(OBAMA, zero))
    assert not valid_id_number(_in_digits(KIT, zero))


def test_a_trailing_newline_is_refused():
    assert not valid_id_number(OBAMA + "\n")
    assert not valid_id_number(KIT + "\n")
