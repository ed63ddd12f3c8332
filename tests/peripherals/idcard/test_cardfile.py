"""The six demo card files hold exactly the values of docs/demo-persons.md; bad card files give clear errors."""
from datetime import date

import pytest

from peripherals.idcard import CardDataError, card_keys, load_card_file

D = date
# key: card_type, name, name_en, gender, birth, number, address, authority, valid_from, valid_to, nationality
DEMO = {
    "obama": ("resident", "欧阳明", None, "male", D(1961, 8, 4), "110105196108041235",
              "北京市朝阳区建国路88号3号楼1单元1201室", "北京市公安局朝阳分局", D(2016, 3, 1), D(2036, 3, 1), None),
    "biden": ("resident", "白德华", None, "male", D(1942, 11, 20), "310115194211202341",
              "上海市浦东新区世纪大道100号", "上海市公安局浦东分局", D(2010, 5, 1), None, None),
    "lin_manuel_miranda": ("resident", "林曼努", None, "male", D(1980, 1, 16), "440305198001163458",
                           "广东省深圳市南山区科技园南路10号", "深圳市公安局南山分局", D(2005, 1, 1), D(2015, 1, 1), None),
    "alex_lacamoire": ("hmt_permit", "黎艾力", None, "male", D(1973, 9, 22), "810000197309224567",
                       "香港特别行政区", "公安部出入境管理局", D(2020, 1, 1), D(2030, 1, 1), None),
    "rose_leslie": ("foreign_2023", "罗丝", "LESLIE, ROSE", "female", D(1987, 2, 9), "982611198702095671",
                    None, "公安部出入境管理局", D(2020, 1, 1), D(2030, 1, 1), "GBR"),
    "kit_harington": ("foreign_2017", "哈基特", "HARINGTON, KIT", "male", D(1986, 12, 26), "GBR110861226013",
                      None, "公安部出入境管理局", D(2020, 1, 1), D(2030, 1, 1), "GBR"),
}


def test_exactly_the_six_demo_persons():
    assert card_keys() == sorted(DEMO)


@pytest.mark.parametrize("key", sorted(DEMO))
def test_demo_card_values(key):
    card = load_card_file(key)
    got = (card.card_type, card.name, card.name_en, card.gender, card.birth_date, card.id_number, card.address,
           card.issuing_authority, card.valid_from, card.valid_to, card.nationality)
    assert got == DEMO[key]
    assert len(card.photo_wlt) == 1024


def test_load_by_path(tmp_path):
    path = tmp_path / "someone.toml"
    path.write_text('card_type = "resident"\nname = "张三"\ngender = "female"\nbirth_date = 1990-01-01\n'
                    'id_number = "11010519491231002X"\nvalid_from = "2020-01-01"\nvalid_to = "长期"\n'
                    'photo_wlt_hex = "0102"\n', encoding="utf-8")
    card = load_card_file(path)
    assert card.valid_to is None and card.photo_wlt == b"\x01\x02" and card.address is None


@pytest.mark.parametrize("body, message", [
    ('card_type = "resident"\n', "missing required fields"),
    ('card_type = "resident"\nshoe_size = 42\n', "unknown keys shoe_size"),
    ('card_type = "resident\n', "not readable TOML"),
    ('card_type = "resident"\nname = "x"\ngender = "male"\nbirth_date = "1990-13-01"\nid_number = "1"\n'
     'valid_from = 2020-01-01\nvalid_to = "长期"\n', "birth_date must be a date"),
    ('card_type = "resident"\nname = "x"\ngender = "male"\nbirth_date = 1990-01-01\nid_number = "1"\n'
     'valid_from = 2020-01-01\n', "missing required fields valid_to"),
])
def test_bad_card_files(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CardDataError, match=message):
        load_card_file(path)


def test_unknown_key_lists_known_cards():
    with pytest.raises(CardDataError, match="known cards: alex_lacamoire, biden"):
        load_card_file("nobody")


def test_bad_number_in_file_is_refused_without_quoting_it(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('card_type = "resident"\nname = "张三"\ngender = "male"\nbirth_date = 1990-01-01\n'
                    'id_number = "110105199001011230"\nvalid_from = 2020-01-01\nvalid_to = 2040-01-01\n',
                    encoding="utf-8")
    with pytest.raises(CardDataError, match=r"resident card number fails its format or check-character test") as info:
        load_card_file(path)
    assert "110105199001011230" not in str(info.value)
