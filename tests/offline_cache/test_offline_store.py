"""Opening the offline store from the storage settings: key file handling and the start-up checks."""
from __future__ import annotations

import os

import pytest

from config.schema import StorageConfig
from offline_cache import KeyFileError, KeyMismatch, OfflineStore
from offline_cache.keyfile import create_key


def test_default_key_created_owner_only_and_reused(tmp_path):
    cfg = StorageConfig(data_dir=tmp_path / "data")
    first = OfflineStore.from_config(cfg)
    first.outbox.enqueue("a", {"x": 1})
    first.close()
    key_path = tmp_path / "data" / "storage.key"
    assert os.stat(key_path).st_mode & 0o777 == 0o600
    again = OfflineStore.from_config(cfg)
    assert again.outbox.due()[0].payload == {"x": 1}
    again.close()


def test_configured_key_must_exist_and_is_never_created(tmp_path):
    cfg = StorageConfig(data_dir=tmp_path, key_file=tmp_path / "keys" / "k")
    with pytest.raises(KeyFileError, match="does not exist"):
        OfflineStore.from_config(cfg)
    assert not (tmp_path / "keys").exists() and not (tmp_path / "kiosk.db").exists()


def test_readable_key_stops_start_up_with_a_clear_message(tmp_path):
    key = tmp_path / "k"
    create_key(key)
    os.chmod(key, 0o644)
    with pytest.raises(KeyFileError, match=r"mode 0644.*chmod 600"):
        OfflineStore.from_config(StorageConfig(data_dir=tmp_path, key_file=key))
    assert not (tmp_path / "kiosk.db").exists()


def test_replaced_key_refused(tmp_path):
    key = tmp_path / "k"
    create_key(key)
    OfflineStore.from_config(StorageConfig(data_dir=tmp_path, key_file=key)).close()
    key.unlink()
    create_key(key)
    with pytest.raises(KeyMismatch, match=r"the storage key file does not open this offline store"):
        OfflineStore.from_config(StorageConfig(data_dir=tmp_path, key_file=key))


def test_settings_reach_the_parts(tmp_path):
    cfg = StorageConfig(data_dir=tmp_path, database="other.db", retention_days=7, reverify_window_s=60,
                        outbox_backoff_base_s=2, outbox_backoff_max_s=20)
    s = OfflineStore.from_config(cfg)
    try:
        assert (tmp_path / "other.db").exists()
        assert (s.retention_days, s.cases.reverify_window_s) == (7, 60)
        assert (s.outbox.backoff_base_s, s.outbox.backoff_max_s) == (2, 20)
    finally:
        s.close()


def test_backoff_settings_validated():
    with pytest.raises(ValueError, match="outbox_backoff_max_s"):
        StorageConfig(outbox_backoff_base_s=10, outbox_backoff_max_s=5)
