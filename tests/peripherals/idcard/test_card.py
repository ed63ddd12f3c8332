"""IdCard: number checks for every card type, masking in repr, the expired flag."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from peripherals.idcard import CardDataError, IdCard, check_character, is_valid_number18, load_card_file
from peripherals.idcard.card import mask_address, mask_id_number, mask_name


@pytest.mark.parametrize("first17, check", [
    ("11010519491231002", "X"),   # the GB 11643 example number
    ("11010519610804123", "5"),   # demo: obama
    ("31011519421120234", "1"),
    ("44030519800116345", "8"),
    ("81000019730922456", "7"),
    ("98261119870209567", "1"),
])
def test_check_character(first17, check):
    assert check_character(first17) == check
    assert is_valid_number18(first17 + check)


@pytest.mark.parametrize("number", [
    "110105196108041234",   # wrong check digit
    "11010519610804123",    # 17 characters
    "1101051961080412355",  # 19 characters
    "11010519610804123x",   # lower-case x is not what cards carry
    "１１０１０５１９６１０８０４１２３５",  # full-width digits
    "",
])
def test_bad_numbers_fail(number):
    assert not is_valid_number18(number)


def test_every_card_type_checks_its_number():
    obama = load_card_file("obama")
    with pytest.raises(CardDataError, match=r"the resident card number fails its format or check-character test"):
        replace(obama, id_number="110105196108041234")
    rose = load_card_file("rose_leslie")
    # a 2023 foreign card number starts with 9
    with pytest.raises(CardDataError, match=r"the foreign_2023 card number fails its format or check-character test"):
        replace(rose, id_number="110105196108041235")
    kit = load_card_file("kit_harington")
    for bad in ("GB110861226013", "GBR11086122601", "gbr110861226013", "GBR11086122601X"):
        with pytest.raises(CardDataError, match=r"the foreign_2017 card number fails its format or check-character"):
            replace(kit, id_number=bad)


def test_card_data_error_is_also_a_value_error():
    with pytest.raises(ValueError, match=r"^unknown card type$"):
        replace(load_card_file("obama"), card_type="passport")


def test_repr_masks_name_address_and_number():
    card = load_card_file("obama")
    text = repr(card) + str(card)
    for secret in (card.name, card.address, card.id_number, "19610804", "1961-08-04"):
        assert secret not in text
    assert "1101**********1235" in text
    assert "欧**" in text


def test_masking_helpers():
    assert mask_id_number("110105196108041235") == "1101**********1235"
    assert mask_id_number("GBR110861226013") == "GBR1*******6013"
    assert mask_name("欧阳明") == "欧**"
    assert mask_name("LESLIE, ROSE") == "L*****, R***"
    assert mask_address("北京市朝阳区建国路88号3号楼1单元1201室") == "北京市朝阳区********"
    assert mask_name(None) == mask_address(None) == mask_id_number(None) == ""


def test_expired_flag():
    assert load_card_file("lin_manuel_miranda").expired
    assert not load_card_file("obama").expired
    assert not load_card_file("biden").expired  # 长期: no expiry
    card = load_card_file("obama")
    assert replace(card, valid_to=date.today() - timedelta(days=1)).expired
    assert not replace(card, valid_to=date.today()).expired  # valid through its last day


def test_card_is_frozen():
    card = load_card_file("obama")
    with pytest.raises(AttributeError, match=r"cannot assign to field 'name'"):
        card.name = "x"  # type: ignore[misc]
    assert isinstance(card, IdCard)
