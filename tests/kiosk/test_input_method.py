"""The pinyin input method on its real dictionaries (pypinyin readings, jieba frequencies): segmentation, candidates
for whole phrases and unfinished syllables, and the composer a keyboard drives."""
from __future__ import annotations

import pytest

from kiosk.input_method import PinyinComposer, PinyinDictionary


@pytest.fixture(scope="module")
def dictionary():
    return PinyinDictionary.shared()


@pytest.mark.parametrize("letters, pieces", [
    ("beijingshi", ["bei", "jing", "shi"]),
    ("xian", ["xian"]),  # one syllable beats xi-an: fewest pieces
    ("zhongguancun", ["zhong", "guan", "cun"]),
    ("chaoy", ["chao", "y"]),  # the last piece may be unfinished
])
def test_letters_split_into_syllables(dictionary, letters, pieces):
    assert dictionary.segment(letters) == pieces


@pytest.mark.parametrize("letters, word", [
    ("beijing", "北京"), ("chaoyangqu", "朝阳区"), ("xiaoqu", "小区"), ("danyuan", "单元"), ("lu", "路"),
    ("hao", "号"), ("lou", "楼"), ("jie", "接"),
])
def test_address_words_come_within_the_first_page(dictionary, letters, word):
    found = [c.text for c in dictionary.candidates(letters)[:5]]
    assert word in found, found


def test_whole_phrase_first_then_shorter_starts_that_take_fewer_letters(dictionary):
    candidates = dictionary.candidates("beijingshi")
    assert candidates[0].text == "北京市" and candidates[0].letters == len("beijingshi")
    beijing = next(c for c in candidates if c.text == "北京")
    assert beijing.letters == len("beijing")
    bei = next(c for c in candidates if c.text == "北")
    assert bei.letters == len("bei")
    assert candidates.index(beijing) < candidates.index(bei)


def test_common_reading_ranks_before_a_rare_one(dictionary):
    # 六 is read liu; its lu reading (in a few place names) must not push 路 off the first place
    found = [c.text for c in dictionary.candidates("lu")]
    assert found[0] == "路"
    assert "六" not in found[:10]


def test_an_unfinished_syllable_offers_every_syllable_it_starts(dictionary):
    found = [c.text for c in dictionary.candidates("zh")[:20]]
    assert "中" in found and "这" in found


def test_the_composer_turns_letters_into_text_part_by_part(dictionary):
    composer = PinyinComposer(dictionary)
    for letter in "beijingshi":
        composer.type_letter(letter)
    beijing = next(c for c in composer.candidates() if c.text == "北京")
    composer.choose(beijing)
    assert (composer.text, composer.letters) == ("北京", "shi")
    composer.choose(next(c for c in composer.candidates() if c.text == "市"))
    assert (composer.text, composer.letters) == ("北京市", "")
    composer.type_text("12")
    composer.type_letter("h")
    composer.backspace()  # takes the pending letter first
    composer.backspace()  # then the last character
    assert (composer.text, composer.letters) == ("北京市1", "")
    composer.type_letter("x")
    composer.type_text("#")  # punctuation commits the pending letters as they are
    assert composer.text == "北京市1x#"
    composer.clear()
    assert (composer.text, composer.letters, composer.candidates()) == ("", "", [])


def test_the_composer_refuses_what_is_no_letter_and_stops_at_its_length(dictionary):
    composer = PinyinComposer(dictionary, max_length=4)
    for key in ("1", "é", "AB", ""):
        composer.type_letter(key)
    assert composer.letters == ""
    composer.type_text("一二三四五六")
    assert composer.text == "一二三四"
