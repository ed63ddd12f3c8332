"""Host figures for the heartbeat: disk and memory use, read from the standard library and /proc (Linux)."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)


def disk_free_pct(path: Path) -> float | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return round(100.0 * usage.free / usage.total, 1) if usage.total else None


def memory_used_pct(meminfo: Path = Path("/proc/meminfo")) -> float | None:
    try:
        fields = {}
        for line in meminfo.read_text(encoding="ascii").splitlines():
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts:
                fields[name] = int(parts[0])
        total, available = fields["MemTotal"], fields["MemAvailable"]
    except (OSError, KeyError, ValueError):
        return None
    return round(100.0 * (total - available) / total, 1) if total else None
