"""The 256-byte text block: field offsets of all four card types, round trips, bad blocks, and a fuzzed decoder."""
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peripherals.idcard import CardDataError, IdCardError, card_keys, is_valid_number18, load_card_file
from peripherals.idcard.card import validate_id_number
from peripherals.idcard.textblock import card_type_of, decode_text_block, encode_text_block


def field(block: bytes, offset: int, length: int) -> str:
    return block[offset:offset + length].decode("utf-16-le").rstrip(" ")


@pytest.mark.parametrize("key", card_keys())
def test_round_trip(key):
    card = load_card_file(key)
    block = encode_text_block(card)
    assert len(block) == 256
    assert decode_text_block(block, card.photo_wlt) == card


def test_resident_layout():
    block = encode_text_block(load_card_file("obama"))
    assert field(block, 0, 30) == "欧阳明"
    assert field(block, 30, 2) == "1"
    assert field(block, 32, 4) == "01"
    assert field(block, 36, 16) == "19610804"
    assert field(block, 52, 70) == "北京市朝阳区建国路88号3号楼1单元1201室"
    assert field(block, 122, 36) == "110105196108041235"
    assert field(block, 158, 30) == "北京市公安局朝阳分局"
    assert field(block, 188, 16) == "20160301"
    assert field(block, 204, 16) == "20360301"
    assert block[248:250] == b" \x00"
    assert block[0 + 6:30] == " ".encode("utf-16-le") * 12   # padded with spaces (0x0020)


def test_no_expiry_is_the_word_changqi():
    block = encode_text_block(load_card_file("biden"))
    assert field(block, 204, 16) == "长期"
    assert decode_text_block(block).valid_to is None


def test_hmt_permit_layout():
    block = encode_text_block(load_card_file("alex_lacamoire"))
    assert field(block, 220, 18) == "H01234567"
    assert field(block, 238, 4) == "01"
    assert field(block, 248, 2) == "J"
    card = decode_text_block(block)
    assert card.card_type == "hmt_permit" and card.pass_number == "H01234567" and card.issue_count == 1


def test_foreign_2017_layout():
    block = encode_text_block(load_card_file("kit_harington"))
    assert field(block, 0, 120) == "HARINGTON, KIT"
    assert field(block, 120, 2) == "1"
    assert field(block, 122, 30) == "GBR110861226013"
    assert field(block, 152, 6) == "GBR"
    assert field(block, 158, 30) == "哈基特"
    assert field(block, 188, 16) == "20200101"
    assert field(block, 204, 16) == "20300101"
    assert field(block, 220, 16) == "19861226"
    assert field(block, 236, 4) == "20"
    assert field(block, 240, 8) == "1500"
    assert field(block, 248, 2) == "I"
    assert card_type_of(block) == "foreign_2017"


def test_foreign_2023_layout():
    block = encode_text_block(load_card_file("rose_leslie"))
    assert field(block, 0, 30) == "罗丝"
    assert field(block, 30, 2) == "2"
    assert field(block, 36, 16) == "19870209"
    assert field(block, 52, 70) == "LESLIE, ROSE"
    assert field(block, 122, 36) == "982611198702095671"
    assert field(block, 158, 30) == "公安部出入境管理局"
    assert field(block, 238, 4) == "01"
    assert field(block, 242, 6) == "GBR"
    assert field(block, 248, 2) == "Y"
    card = decode_text_block(block)
    assert card.gender == "female" and card.nation_code is None and card.previous_number is None


@pytest.mark.parametrize("code, gender", [("0", "unknown"), ("1", "male"), ("2", "female"), ("9", "unspecified")])
def test_gender_codes(code, gender):
    block = bytearray(encode_text_block(load_card_file("obama")))
    block[30:32] = code.encode("utf-16-le")
    assert decode_text_block(bytes(block)).gender == gender


def put(block: bytes, offset: int, length: int, text: str) -> bytes:
    raw = text.encode("utf-16-le")
    out = bytearray(block)
    out[offset:offset + length] = raw + b" \x00" * ((length - len(raw)) // 2)
    return bytes(out)


OBAMA = encode_text_block(load_card_file("obama"))


@pytest.mark.parametrize("block, message", [
    (OBAMA[:200], "200 bytes"),
    (put(OBAMA, 248, 2, "Z"), "unknown card type"),
    (put(OBAMA, 122, 36, "110105196108041234"), "check-character"),
    (put(OBAMA, 30, 2, "3"), "gender"),
    (put(OBAMA, 36, 16, "19610230"), "calendar date"),
    (put(OBAMA, 36, 16, "1961080"), "YYYYMMDD"),
    (put(OBAMA, 32, 4, "A1"), "two digits"),
    (put(OBAMA, 0, 30, "欧\x07明"), "control"),
    (OBAMA[:0] + b"\x00\xd8" + OBAMA[2:], "UCS-2"),   # a lone surrogate
])
def test_bad_blocks(block, message):
    with pytest.raises(CardDataError, match=message) as info:
        decode_text_block(block)
    assert "110105196108041234" not in str(info.value)


def test_encode_refuses_overflow():
    card = replace(load_card_file("obama"), name="欧" * 16)
    with pytest.raises(CardDataError, match="name"):
        encode_text_block(card)


def check_card(card) -> None:
    validate_id_number(card.card_type, card.id_number)
    if card.card_type != "foreign_2017":
        assert is_valid_number18(card.id_number)
    assert isinstance(card.birth_date, date)


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=0, max_size=300))
def test_fuzz_random_bytes(block):
    try:
        check_card(decode_text_block(block))
    except IdCardError:
        pass


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([encode_text_block(load_card_file(k)) for k in card_keys()]),
       st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255)), min_size=1, max_size=8))
def test_fuzz_mutated_real_blocks(block, mutations):
    data = bytearray(block)
    for index, value in mutations:
        data[index] = value
    try:
        check_card(decode_text_block(bytes(data)))
    except IdCardError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(card_keys()), st.text(max_size=12), st.integers(0, 127))
def test_fuzz_text_in_fields(key, text, char_index):
    """Any text written into any field: a valid card or a CardDataError, nothing else."""
    block = bytearray(encode_text_block(load_card_file(key)))
    raw = text.encode("utf-16-le", errors="surrogatepass")[:256 - 2 * char_index]
    block[2 * char_index:2 * char_index + len(raw)] = raw
    try:
        check_card(decode_text_block(bytes(block)))
    except IdCardError:
        pass
