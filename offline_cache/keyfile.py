"""The storage key file: loaded at start-up, refused when others can read it, created only when asked to."""
from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
import stat
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
    """Write a new random key, readable by its owner only; refuses to replace an existing file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"storage key file {path} already exists; not replacing it") from None
    except OSError as exc:
        raise KeyFileError(f"storage key file {path} cannot be created ({exc.strerror})") from None
    try:
        os.write(fd, base64.b64encode(key) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.info("created a new storage key file at %s", path)
    return key
