"""Secret files (the audit key, signing keys, the database): created 0600, refused when others can read them."""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)


class LooseSecretFile(ValueError):
    """A secret file that its group or other users can read or write."""


def check_secret_file(path: Path) -> None:
    """Raises LooseSecretFile when group or others have any access to `path` (OSError when it cannot be read)."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise LooseSecretFile(f"{path} is not a regular file")
    if mode & 0o077:
        raise LooseSecretFile(f"{path} is readable by other users (mode {stat.S_IMODE(mode):04o}); "
                              f"chmod 600 {path}")


def create_private_file(path: Path) -> None:
    """Creates `path` empty with mode 0600 unless it exists; tightens an existing one to 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
            os.chmod(path, 0o600)
        return
    os.close(fd)
