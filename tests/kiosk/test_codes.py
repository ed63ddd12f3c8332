"""Classifying scanned codes: acceptance notices, pickup codes, everything else; never an exception."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.codes import CodeKind, acceptance_notice_case, acceptance_notice_url, classify


@pytest.mark.parametrize("code, case_id", [
    ("https://gw/cases/BJ2026-000124", "BJ2026-000124"),
    ("http://127.0.0.1:8443/cases/BDC2026010001", "BDC2026010001"),
    ("https://gateway.example/registry/v2/cases/BDC2026010001/", "BDC2026010001"),
    ("  https://gw/cases/A1\r\n", "A1"),
])
def test_acceptance_notice_urls_name_their_case(code, case_id):
    assert classify(code) is CodeKind.ACCEPTANCE_NOTICE
    assert acceptance_notice_case(code) == case_id


@pytest.mark.parametrize("code", [
    "", "BDC2026010001", "ftp://gw/cases/A1", "https://gw/cases/", "https://gw/cases/A1/timeline",
    "https://gw/cases/" + "A" * 33, "https://gw/cases/A1?x=1", "https://gw/cases/A_1", "https://gw/cases/A1#frag",
    "https://gw/verify/ABC", "https://user@gw/cases/A1", "javascript:alert(1)//cases/A1", "x" * 5000,
    "https://gw/cases/../cases/A1x/..",
])
def test_other_texts_are_not_acceptance_notices(code):
    assert acceptance_notice_case(code) is None
    assert classify(code) is CodeKind.OTHER


def test_pickup_codes_are_recognised_by_their_prefix_only():
    assert classify("PK1.e30.e30") is CodeKind.PICKUP
    assert classify("PK1.anything") is CodeKind.PICKUP
    assert classify("pk1.e30.e30") is CodeKind.OTHER
    assert classify("PK2.e30.e30") is CodeKind.OTHER
    assert classify("PK1" + "." + "x" * 5000) is CodeKind.OTHER  # too long to be a code at all


def test_the_notice_url_round_trips_and_refuses_a_bad_case_id():
    url = acceptance_notice_url("https://gw.example/", "BDC2026010001")
    assert url == "https://gw.example/cases/BDC2026010001"
    assert acceptance_notice_case(url) == "BDC2026010001"
    with pytest.raises(ValueError, match=r"case id: 1-32 letters, digits or '-'"):
        acceptance_notice_url("https://gw", "../etc")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.from_regex(r"https?://[a-z.]{1,20}(/[a-z]{1,5}){0,3}/cases/.{0,40}")))
def test_classify_never_raises_and_agrees_with_the_case_parser(code):
    kind = classify(code)
    assert isinstance(kind, CodeKind)
    case_id = acceptance_notice_case(code)
    assert (kind is CodeKind.ACCEPTANCE_NOTICE) == (case_id is not None)
    if case_id is not None:
        assert 1 <= len(case_id) <= 32 and case_id.replace("-", "").isalnum() and case_id.isascii()


def test_an_acceptance_notice_needs_a_real_case_id_not_dashes_alone():
    # Found by the hypothesis test above: ".../cases/-" was taken for a case.
    assert acceptance_notice_case("https://gw.example/cases/-") is None
    assert acceptance_notice_case("https://gw.example/cases/BDC-2026-1") == "BDC-2026-1"
