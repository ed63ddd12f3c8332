"""National number formats: hand-worked check characters, the accepted and refused forms, and fuzzing."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from gateway.national_formats import (ALPHABET, FormatRefused, make_e_certificate_id, mod37_36, mod37_36_valid,
                                      parse_certificate_number, parse_e_certificate_id, parse_proof_number,
                                      parse_registration_number, parse_unit_number)

# ISO 7064 MOD 37,36 worked by hand (values 0-9 -> 0-9, A-Z -> 10-35; P starts at 36):
#   "0":  S = (36 + 0) mod 36 = 0 -> 36; P = 72 mod 37 = 35; check c with (35 + c) mod 36 = 1 -> c = 2   -> "2"
#   "A1": S = (36 + 10) mod 36 = 10; P = 20; S = (20 + 1) mod 36 = 21; P = 42 mod 37 = 5;
#         (5 + c) mod 36 = 1 -> c = 32                                                                 -> "W"
#   "B7": S = 11; P = 22; S = 29; P = 58 mod 37 = 21; (21 + c) mod 36 = 1 -> c = 16                    -> "G"
#   "Z":  S = (36 + 35) mod 36 = 35; P = 70 mod 37 = 33; (33 + c) mod 36 = 1 -> c = 4                   -> "4"
HAND_WORKED = [("0", "2"), ("A1", "W"), ("B7", "G"), ("Z", "4")]


@pytest.mark.parametrize("data, check", HAND_WORKED)
def test_mod37_36_matches_the_hand_worked_examples(data, check):
    assert mod37_36(data) == check
    assert mod37_36_valid(data + check)
    assert not mod37_36_valid(data + ALPHABET[(ALPHABET.index(check) + 1) % 36])


def test_mod37_36_matches_a_published_example():
    # The worked example in python-stdnum's documentation of ISO 7064 MOD 37,36 (stdnum.iso7064.mod_37_36).
    assert mod37_36("A12425GABC1234002") == "M"
    assert mod37_36_valid("A12425GABC1234002M") and not mod37_36_valid("A12425GABC1234002N")


def test_mod37_36_refuses_characters_outside_its_alphabet():
    with pytest.raises(FormatRefused, match="digits and capital letters only"):
        mod37_36("ab-")


@settings(max_examples=200)
@given(st.text(ALPHABET, min_size=1, max_size=40), st.data())
def test_mod37_36_catches_every_single_substitution(data, draws):
    # (A hybrid system catches nearly all adjacent swaps, not all: ISO 7064 promises single substitutions only.)
    full = data + mod37_36(data)
    position = draws.draw(st.integers(0, len(full) - 1))
    other = draws.draw(st.sampled_from(ALPHABET).filter(lambda c: c != full[position]))
    assert mod37_36_valid(full)
    assert not mod37_36_valid(full[:position] + other + full[position + 1:])


def test_unit_number_parts_and_grouped_form():
    unit = parse_unit_number("110105001001GB00001F00011201")
    assert (unit.county, unit.district, unit.parcel_type, unit.parcel, unit.structure, unit.unit) == (
        "110105", "001001", "GB", "00001", "F", "00011201")
    assert unit.grouped() == "110105 001001 GB00001 F00011201"
    assert str(parse_unit_number("110105 001001 gb00001 f00011201")) == "110105001001GB00001F00011201"


@pytest.mark.parametrize("value, reason", [
    ("110105001001GB00001F0001120", "28 characters, not 27"),
    ("110105001001GB00001F000112011", "28 characters, not 29"),
    ("1101050010011B00001F00011201", "6\\+6 digits, 2 letters"),
    ("110105001001XB00001F00011201", "parcel type"),
    ("110105001001GB00001A00011201", "structure letter"),
    ("110105001001GB00001W00011201", "00000000"),
    ("110100001001GB00001F00011201", "county code"),
])
def test_unit_number_refused_with_the_rule_broken(value, reason):
    with pytest.raises(FormatRefused, match=reason):
        parse_unit_number(value)


@pytest.mark.parametrize("value, canonical, kind", [
    ("粤（2019）东莞不动产权第0000906号", "粤（2019）东莞不动产权第0000906号", "不动产权"),
    ("闽（2017）福州市不动产证明第000001号", "闽（2017）福州市不动产证明第000001号", "不动产证明"),
    ("京(2020)朝阳区不动产权第0012345号", "京（2020）朝阳区不动产权第0012345号", "不动产权"),
    ("沪（2021） 浦东新区不动产权第0054321号", "沪（2021）浦东新区不动产权第0054321号", "不动产权"),
])
def test_certificate_and_proof_numbers_accepted_in_full_width_form(value, canonical, kind):
    number = parse_registration_number(value)
    assert str(number) == canonical and number.kind == kind


@pytest.mark.parametrize("value, reason", [
    ("X（2019）东莞不动产权第0000906号", "province"),
    ("粤（1900）东莞不动产权第0000906号", "year"),
    ("粤（2019）东莞不动产权第906号", "reads like"),
    ("粤（2019）东莞不动产第0000906号", "reads like"),
    ("粤2019东莞不动产权第0000906号", "reads like"),
])
def test_certificate_numbers_refused(value, reason):
    with pytest.raises(FormatRefused, match=reason):
        parse_registration_number(value)


def test_certificate_and_proof_numbers_are_told_apart():
    assert parse_proof_number("闽（2017）福州市不动产证明第000001号").place == "福州市"
    with pytest.raises(FormatRefused, match="expected a 不动产权 number"):
        parse_certificate_number("闽（2017）福州市不动产证明第000001号")
    with pytest.raises(FormatRefused, match="expected a 不动产证明 number"):
        parse_proof_number("粤（2019）东莞不动产权第0000906号")


TYPE = "11100000MB0143028E001"
ISSUER = "12441900MB2C12345X"


def test_e_certificate_identifier_round_trip_and_check_character():
    ident = make_e_certificate_id(TYPE, ISSUER, "BDC2026010006")
    text = str(ident)
    assert text.startswith("1.2.156.3005.2.11100000MB0143028E001.12441900MB2C12345X.BDC2026010006.001")
    assert text[-1] == mod37_36(TYPE + ISSUER + "BDC2026010006" + "001")
    assert parse_e_certificate_id(text) == ident
    wrong = text[:-1] + ALPHABET[(ALPHABET.index(text[-1]) + 1) % 36]
    with pytest.raises(FormatRefused, match="check character .* is wrong"):
        parse_e_certificate_id(wrong)


@pytest.mark.parametrize("value, reason", [
    ("1.2.156.3005.3.11100000MB0143028E001.12441900MB2C12345X.S1.001A", "starts with 1.2.156.3005.2"),
    ("1.2.156.3005.2.111.12441900MB2C12345X.S1.001A", "root.type"),
    ("1.2.156.3005.2.11100000MB0143028E001.12441900MB2C12345X.S1.01A", "root.type"),
])
def test_e_certificate_identifier_refused(value, reason):
    with pytest.raises(FormatRefused, match=reason):
        parse_e_certificate_id(value)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_parsers_refuse_any_text_with_format_refused_only(text):
    for parse in (parse_unit_number, parse_registration_number, parse_e_certificate_id):
        try:
            parse(text)
        except FormatRefused:
            pass
        else:
            assert parse(str(parse(text))) == parse(text)  # what is accepted round-trips


def test_refusals_name_the_rule_never_the_value():
    value = "440305198001163458XYZ0123456"  # 28 characters, an ID number inside: must not be echoed
    for parse in (parse_unit_number, parse_registration_number, parse_e_certificate_id):
        with pytest.raises(FormatRefused) as refused:
            parse(value)
        assert "4403051980" not in str(refused.value)


@settings(max_examples=200)
@given(st.sampled_from(["110105", "310115", "440305"]), st.integers(0, 999_999), st.sampled_from("GJZ"),
       st.sampled_from("ABCDEFGHSXWY"), st.integers(0, 99_999), st.sampled_from("FLQ"), st.integers(0, 99_999_999))
def test_every_well_formed_unit_number_parses_to_itself(county, district, owner, right, parcel, structure, unit):
    text = f"{county}{district:06d}{owner}{right}{parcel:05d}{structure}{unit:08d}"
    parsed = parse_unit_number(text)
    assert str(parsed) == text and parsed.grouped().replace(" ", "") == text


def test_the_demo_data_uses_the_national_formats(tmp_path):
    from sqlalchemy.orm import Session

    from gateway.bank_demo import seed_bank_demo
    from gateway.bank_models import MortgageApplication
    from gateway.db import make_engine, migrate
    from gateway.models import Case, Property
    from gateway.seed import seed_demo

    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    migrate(engine)
    with Session(engine) as db:
        seed_demo(db)
        seed_bank_demo(db, "demo-bank-01")
        units = [p.unit_no for p in db.query(Property)]
        assert units and len(set(units)) == len(units)
        assert all(str(parse_unit_number(u)) == u for u in units)
        for case in db.query(Case).filter(Case.certificate_no.is_not(None)):
            number = parse_registration_number(case.certificate_no)
            assert str(number) == case.certificate_no
            assert number.kind == ("不动产证明" if case.kind == "mortgage" else "不动产权")
        assert all(str(parse_certificate_number(a.certificate_no)) == a.certificate_no
                   for a in db.query(MortgageApplication))
    engine.dispose()
