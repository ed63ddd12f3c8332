"""A private virtual display (Xvfb) for the demo and the UI tests on a machine with no screen."""
from __future__ import annotations

import logging
import os
import select
import shutil
import subprocess

logger = logging.getLogger(__name__)


class VirtualDisplayError(Exception):
    """Xvfb is missing or did not start."""


class VirtualDisplay:
    """Starts Xvfb on a free display number (Xvfb picks it: -displayfd); `display` is the DISPLAY value."""

    def __init__(self, width: int = 1080, height: int = 1920, depth: int = 24):
        self.geometry = f"{width}x{height}x{depth}"
        self.display: str | None = None
        self._process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 15.0) -> "VirtualDisplay":
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise VirtualDisplayError("Xvfb is not installed: run `make system-deps` (Debian package xvfb)")
        read_fd, write_fd = os.pipe()
        try:
            self._process = subprocess.Popen(
                [xvfb, "-displayfd", str(write_fd), "-screen", "0", self.geometry, "-nolisten", "tcp"],
                pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(write_fd)
            ready, _, _ = select.select([read_fd], [], [], timeout_s)
            number = os.read(read_fd, 64).decode().strip() if ready else ""
        finally:
            os.close(read_fd)
        if not number.isdigit():
            self.stop()
            raise VirtualDisplayError("Xvfb did not start")
        self.display = f":{number}"
        logger.info("virtual display %s (%s) started", self.display, self.geometry)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
