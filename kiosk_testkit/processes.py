"""Stopping a child process of the test stack: SIGTERM, a grace period, then SIGKILL."""
from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen | None, grace_s: float, kill_wait_s: float = 5.0) -> None:
    """Ends a running process: asks it to stop, and kills it if it has not within grace_s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(kill_wait_s)
