"""Parsing `PK1.<payload>.<sig>` exactly per the contract; anything else is code_malformed, never a crash."""
import base64
import json

import pytest
from hypothesis import given, settings, strategies as st

from kiosk.pickup.codes import PickupCodeError, digits_hash, parse_code, subject_hash

from tests.kiosk.pickup.conftest import ID_NUMBER, LOCKER, NOW, b64url


def test_parse_a_contract_code(issuer):
    code = parse_code(issuer.code(cid="c-9", cp="1-02"))
    assert (code.code_id, code.locker_id, code.compartment, code.key_id) == ("c-9", LOCKER, "1-02", "k1")
    assert code.expires_at == int(NOW + 3600)
    assert code.issued_to(ID_NUMBER) and not code.issued_to("110105194912310037")


def test_repr_keeps_the_subject_hash_out(issuer):
    code = parse_code(issuer.code())
    assert code.subject not in repr(code) and ID_NUMBER not in repr(code)


def test_hash_helpers_match_the_contract():
    import hashlib
    assert subject_hash("c1", "123") == hashlib.sha256(b"c1:123").hexdigest()
    assert digits_hash("c1", "12345678") == hashlib.sha256(b"c1:12345678").hexdigest()


def test_padded_base64_is_accepted(issuer):
    payload = issuer.payload()
    signature = issuer.private.sign(payload)
    padded = f"PK1.{base64.urlsafe_b64encode(payload).decode()}.{base64.urlsafe_b64encode(signature).decode()}"
    assert padded.endswith("==")
    assert parse_code(padded).signature == signature


def _with_payload(issuer, data):
    return issuer.sign(json.dumps(data).encode())


NOT_A_CODE, NO_DECODE = r"^not a pickup code$", r"^pickup code does not decode$"


@pytest.mark.parametrize("text, problem", [
    ("", NOT_A_CODE), ("PK1", NOT_A_CODE), ("PK1..", NO_DECODE), ("PK2.e30.e30", NOT_A_CODE), ("PK1.e30", NOT_A_CODE),
    ("PK1.e30.e30.e30", NOT_A_CODE), ("PK1.!!!.e30", NO_DECODE), ("PK1.e30.***", NO_DECODE),
    ("pk1.e30.e30", NOT_A_CODE), ("x" * 5000, NOT_A_CODE),
    ("PK1." + b64url(b"not json") + "." + b64url(b"\x00" * 64), NO_DECODE),
    ("PK1." + b64url(b"[1,2]") + "." + b64url(b"\x00" * 64), r"^pickup code payload is not an object$"),
    ("PK1." + b64url("\udcff".encode("utf-8", "surrogatepass")) + "." + b64url(b"\x00" * 64), NO_DECODE),
])
def test_malformed_text(text, problem):
    with pytest.raises(PickupCodeError, match=problem) as info:
        parse_code(text)
    assert info.value.reason == "code_malformed"


FIELD, EXPIRY, SHAPE = r"payload field missing$", r"expiry missing$", r"subject or signature has the wrong shape$"


@pytest.mark.parametrize("change, problem", [
    ({"cid": ""}, FIELD), ({"cid": 5}, FIELD), ({"lk": None}, FIELD), ({"cp": ["a"]}, FIELD), ({"sub": "abc"}, SHAPE),
    ({"sub": "G" * 64}, SHAPE), ({"exp": "1900000000"}, EXPIRY), ({"exp": True}, EXPIRY), ({"exp": -1}, EXPIRY),
    ({"exp": 2**50}, EXPIRY), ({"kid": ""}, FIELD), ({"cid": "x" * 200}, FIELD),
])
def test_malformed_payload_fields(issuer, change, problem):
    data = json.loads(issuer.payload())
    data.update(change)
    with pytest.raises(PickupCodeError, match=problem) as info:
        parse_code(_with_payload(issuer, data))
    assert info.value.reason == "code_malformed"


def test_missing_field(issuer):
    data = json.loads(issuer.payload())
    del data["exp"]
    with pytest.raises(PickupCodeError, match=r"^pickup code expiry missing$"):
        parse_code(_with_payload(issuer, data))


def test_short_signature(issuer):
    text = issuer.code()
    prefix, payload, _ = text.split(".")
    with pytest.raises(PickupCodeError, match=r"^pickup code subject or signature has the wrong shape$"):
        parse_code(f"{prefix}.{payload}.{b64url(b'x' * 63)}")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_parsed_or_refused_cleanly(text):
    try:
        parse_code(text)
    except PickupCodeError as exc:
        assert exc.reason == "code_malformed"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["cid", "lk", "cp", "sub", "exp", "kid", "x"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=70),
                                 st.lists(st.integers(), max_size=2))),
       st.binary(min_size=0, max_size=80))
def test_any_payload_is_parsed_or_refused_cleanly(data, sig):
    text = f"PK1.{b64url(json.dumps(data).encode())}.{b64url(sig)}"
    try:
        parse_code(text)
    except PickupCodeError as exc:
        assert exc.reason == "code_malformed"


def test_agents_are_salted_hashes_and_may_collect(issuer):
    from kiosk.pickup.codes import subject_hash

    agent = "310115194211202341"
    code = parse_code(issuer.code(cid="c-9", ag=[subject_hash("c-9", agent)]))
    assert code.collector(ID_NUMBER) == "holder" and code.collector(agent) == "agent"
    assert code.collector("440305198001163458") is None
    assert agent not in repr(code) and parse_code(issuer.code()).agents == ()


@pytest.mark.parametrize("agents", ["abc", ["nothex"], [1], ["a" * 64] * 9, {"x": 1}])
def test_malformed_agents_are_refused(issuer, agents):
    with pytest.raises(PickupCodeError, match=r"^pickup code agents have the wrong shape$") as info:
        parse_code(issuer.code(ag=agents))
    assert info.value.reason == "code_malformed"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=70), st.integers(), st.none()), max_size=10))
def test_any_agents_field_is_parsed_or_refused_cleanly(agents):
    from tests.kiosk.pickup.conftest import Issuer

    try:
        code = parse_code(Issuer().code(ag=agents))
    except PickupCodeError as exc:
        assert exc.reason == "code_malformed"
    else:
        assert len(code.agents) == len(agents)
