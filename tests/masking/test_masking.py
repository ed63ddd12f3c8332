"""The one masking rule: the same on a kiosk screen or receipt as on the gateway's pages."""
from __future__ import annotations

import pytest

import masking


@pytest.mark.parametrize("name, masked", [
    ("欧阳明", "欧**"), ("罗丝", "罗*"), ("贝拉克·奥巴马", "贝**·奥**"), ("LESLIE, ROSE", "L*****, R***"),
    ("  王五 ", "王*"), ("", ""), (None, "")])
def test_a_name_keeps_the_first_character_of_each_word(name, masked):
    assert masking.mask_name(name) == masked


def test_the_gateway_and_the_kiosk_mask_with_the_same_functions():
    from gateway import identity
    from kiosk import privacy
    from peripherals.idcard import card

    for module in (identity, privacy, card):
        assert module.mask_name is masking.mask_name
        assert module.mask_id_number is masking.mask_id_number
        assert module.mask_address is masking.mask_address


def test_id_numbers_and_addresses():
    assert masking.mask_id_number("110105196108041235") == "1101**********1235"
    assert masking.mask_id_number("GBR110861226013") == "GBR1*******6013"
    assert masking.mask_id_number("1234") == "****"
    assert masking.mask_address("北京市朝阳区建国路88号3号楼") == "北京市朝阳区********"
    assert masking.mask_id_number(None) == masking.mask_address(None) == ""
