"""The one scrypt implementation for staff secrets: round trip, salting, limits, malformed hashes."""
from __future__ import annotations

import pytest

from secrethash import MAX_SECRET_BYTES, dummy_hash, hash_secret, verify_secret


def test_a_hash_verifies_its_secret_only_and_is_salted():
    stored = hash_secret("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_secret("correct horse battery", stored)
    assert not verify_secret("correct horse batterY", stored)
    assert stored != hash_secret("correct horse battery")


@pytest.mark.parametrize("bad", ["", None, "scrypt$", "md5$1$2$3$x$y", "scrypt$99999999$8$1$AAAA$AAAA",
                                 "scrypt$16384$8$1$!!$!!", "scrypt$16384$8$one$AAAA$AAAA"])
def test_malformed_stored_hashes_never_match(bad):
    assert not verify_secret("4826", bad)


def test_a_hash_of_either_side_verifies_on_the_other_and_old_kiosk_hashes_still_verify():
    # A kiosk staff PIN hash written before the fold (its own copy, no maxmem, same parameters).
    import base64
    import hashlib

    salt = b"\x01" * 16
    old = "$".join(("scrypt", "16384", "8", "1", base64.b64encode(salt).decode(),
                    base64.b64encode(hashlib.scrypt(b"4826", salt=salt, n=2 ** 14, r=8, p=1, dklen=32)).decode()))
    assert verify_secret("4826", old)
    assert not verify_secret("4827", old)


def test_empty_and_oversized_secrets_are_refused_with_one_clear_message():
    with pytest.raises(ValueError, match=r"a secret is 1-1024 bytes"):
        hash_secret("")
    with pytest.raises(ValueError, match=r"a secret is 1-1024 bytes"):
        hash_secret("x" * (MAX_SECRET_BYTES + 1))
    assert not verify_secret("x" * (MAX_SECRET_BYTES + 1), hash_secret("x"))
    assert not verify_secret("", hash_secret("x"))


def test_the_dummy_hash_is_made_once_and_matches_nothing_typed():
    assert dummy_hash() is dummy_hash()
    assert not verify_secret("0000", dummy_hash())
