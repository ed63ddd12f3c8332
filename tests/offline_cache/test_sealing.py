"""AES-GCM sealing: round trip, tamper detection, binding to the row, keyed pseudonyms."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from offline_cache.sealing import SealBroken, Sealer

SEALER = Sealer(bytes(range(32)))


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2048), st.binary(max_size=64))
def test_round_trip(plaintext, context):
    sealed = SEALER.seal(plaintext, context)
    assert SEALER.open(sealed, context) == plaintext
    assert len(plaintext) < 8 or plaintext not in sealed


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=1, max_size=256), st.data())
def test_any_flipped_bit_is_caught(plaintext, data):
    sealed = bytearray(SEALER.seal(plaintext, b"ctx"))
    i = data.draw(st.integers(0, len(sealed) - 1))
    sealed[i] ^= 1 << data.draw(st.integers(0, 7))
    problem = r"^sealed value is malformed$" if i == 0 else r"^sealed value failed authentication$"  # 0: version
    with pytest.raises(SealBroken, match=problem):
        SEALER.open(bytes(sealed), b"ctx")


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=64))
def test_garbage_never_opens(garbage):
    with pytest.raises(SealBroken, match=r"^sealed value (is malformed|failed authentication)$"):
        SEALER.open(garbage, b"ctx")


def test_value_moved_to_another_row_or_key_does_not_open():
    sealed = SEALER.seal(b"secret", b"row:1")
    with pytest.raises(SealBroken, match=r"^sealed value failed authentication$"):
        SEALER.open(sealed, b"row:2")
    with pytest.raises(SealBroken, match=r"^sealed value failed authentication$"):
        Sealer(os.urandom(32)).open(sealed, b"row:1")


def test_same_plaintext_seals_differently():
    assert SEALER.seal(b"x", b"c") != SEALER.seal(b"x", b"c")


def test_subject_is_keyed_stable_and_normalised():
    a = SEALER.subject("11010519610804123x")
    assert a == SEALER.subject(" 11010519610804123X ")
    assert a != Sealer(os.urandom(32)).subject("11010519610804123X")
    assert "110105" not in a and len(a) == 64


def test_person_seal_needs_the_id_number():
    sealed = SEALER.for_person("110105196108041235").seal(b"cases", b"c")
    assert SEALER.for_person("110105196108041235").open(sealed, b"c") == b"cases"
    with pytest.raises(SealBroken, match=r"^sealed value failed authentication$"):
        SEALER.for_person("310115194211202341").open(sealed, b"c")
    with pytest.raises(SealBroken, match=r"^sealed value failed authentication$"):
        SEALER.open(sealed, b"c")


def test_key_check_differs_per_key_and_rejects_short_keys():
    assert SEALER.key_check == Sealer(bytes(range(32))).key_check != Sealer(os.urandom(32)).key_check
    with pytest.raises(ValueError, match=r"the storage key must be 32 bytes"):
        Sealer(b"short")
