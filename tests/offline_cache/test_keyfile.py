"""The storage key file: format, and refusal of a key others can read."""
from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given, settings, strategies as st

from offline_cache.errors import KeyFileError
from offline_cache.keyfile import create_key, load_key


def write(path, data: bytes, mode: int):
    path.write_bytes(data)
    os.chmod(path, mode)
    return path


def test_raw_and_base64_keys_load(tmp_path):
    key = os.urandom(32)
    assert load_key(write(tmp_path / "raw", key, 0o600)) == key
    assert load_key(write(tmp_path / "b64", base64.b64encode(key) + b"\n", 0o400)) == key


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o620, 0o602])
def test_group_or_world_permissions_refused_with_the_fix(tmp_path, mode):
    path = write(tmp_path / "k", os.urandom(32), mode)
    with pytest.raises(KeyFileError, match=r"group/other permissions are not allowed for a key") as info:
        load_key(path)
    message = str(info.value)
    assert f"{mode:04o}" in message and "chmod 600" in message


# Fixed bytes, not os.urandom: every pytest-xdist worker must collect the same test ids.
@pytest.mark.parametrize("data", [b"", b"short", bytes(range(31)), bytes(range(33)), base64.b64encode(bytes(range(16))),
                                  b"not base64 at all, definitely not a key!!!!"])
def test_wrong_size_or_format_refused(tmp_path, data):
    with pytest.raises(KeyFileError, match="32 random bytes"):
        load_key(write(tmp_path / "k", data, 0o600))


def test_missing_file_and_directory_refused(tmp_path):
    with pytest.raises(KeyFileError, match="does not exist"):
        load_key(tmp_path / "nope")
    with pytest.raises(KeyFileError, match="not a regular file"):
        load_key(tmp_path)


def test_create_writes_owner_only_and_never_replaces(tmp_path):
    path = tmp_path / "sub" / "storage.key"
    key = create_key(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert load_key(path) == key
    with pytest.raises(KeyFileError, match="already exists"):
        create_key(path)
    assert load_key(path) == key


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=100))
def test_any_file_content_gives_a_key_or_a_clear_refusal(tmp_path_factory, data):
    path = write(tmp_path_factory.mktemp("k") / "k", data, 0o600)
    try:
        key = load_key(path)
    except KeyFileError as exc:
        assert str(path) in str(exc)
    else:
        assert len(key) == 32


@pytest.mark.parametrize("crash_in", ["write", "fsync", "link"])
def test_a_power_cut_while_creating_never_leaves_an_empty_key(tmp_path, monkeypatch, crash_in):
    """The process dies (here: the call raises) part-way through creating the key: afterwards the key file is either
    absent, so it can be created again, or whole; never empty."""
    path = tmp_path / "keys" / "storage.key"

    class PowerCut(BaseException):
        pass

    def cut(*_args, **_kwargs):
        raise PowerCut

    with monkeypatch.context() as patched:
        patched.setattr(os, crash_in, cut)
        with pytest.raises(PowerCut):
            create_key(path)
    assert not path.exists()
    key = create_key(path)  # the next start creates it as if for the first time
    assert load_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["storage.key"]
