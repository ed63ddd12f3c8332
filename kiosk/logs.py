"""Logging set-up for the kiosk process: one format, module loggers, the personal-data filter on every handler."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from kiosk.privacy import PersonalDataFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is when a record is logged, not as it was at set-up (a stream swapped since, e.g.
    by a test's capture, may be closed by now)."""

    stream = property(lambda self: sys.stderr, lambda self, _value: None)


def configure_logging(level: str = "INFO", file: Path | None = None) -> None:
    handlers: list[logging.Handler] = [StderrHandler()]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(PersonalDataFilter())
        root.addHandler(handler)
    root.setLevel(level)
