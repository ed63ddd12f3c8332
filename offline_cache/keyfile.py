"""The storage key file: loaded at start-up, refused when others can read it, created only when asked to."""
from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path

from offline_cache.errors import KeyFileError

logger = logging.getLogger(__name__)

KEY_BYTES = 32


def load_key(path: Path) -> bytes:
    """Read a 256-bit key (32 raw bytes, or their base64 on one line) from a file only its owner can read."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"storage key file {path} does not exist") from None
    except OSError as exc:
        raise KeyFileError(f"storage key file {path} cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise KeyFileError(f"storage key file {path} is not a regular file")
    loose = stat.S_IMODE(st.st_mode) & 0o077
    if loose:
        raise KeyFileError(
            f"storage key file {path} has mode {stat.S_IMODE(st.st_mode):04o}: group/other permissions are not "
            f"allowed for a key; run `chmod 600 {path}`")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"storage key file {path} cannot be read ({exc.strerror})") from None
    return _parse(raw, path)


def _parse(raw: bytes, path: Path) -> bytes:
    if len(raw) == KEY_BYTES:
        return raw
    text = raw.strip()
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"storage key file {path} must hold {KEY_BYTES} random bytes, raw or base64 "
                           f"(create one with `head -c {KEY_BYTES} /dev/urandom | base64 > {path}`)")
    return key


def create_key(path: Path) -> bytes:
    """Write a new random key, readable by its owner only; refuses to replace an existing file.

    Atomic: the key is written and synced in a temporary file beside it, which is then linked into place (a link,
    unlike a rename, fails when the name exists) and the directory synced. A power cut at any point leaves either
    no key file (create it again) or the whole key, never an empty or partial one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise KeyFileError(f"storage key file {path} already exists; not replacing it")
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise KeyFileError(f"storage key file {path} cannot be created ({exc.strerror})") from None
    temp = Path(temp_name)
    try:
        try:
            os.write(fd, base64.b64encode(key) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        _link_into_place(temp, path)
        _sync_directory(path.parent)
    except FileExistsError:
        raise KeyFileError(f"storage key file {path} already exists; not replacing it") from None
    except OSError as exc:
        raise KeyFileError(f"storage key file {path} cannot be created ({exc.strerror})") from None
    finally:
        temp.unlink(missing_ok=True)
    logger.info("created a new storage key file at %s", path)
    return key


def _link_into_place(temp: Path, path: Path) -> None:
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: rename (the existence check above is the guard)
        if path.exists():
            raise FileExistsError(path) from None
        os.rename(temp, path)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
