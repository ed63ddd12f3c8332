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


def json_formatter() -> logging.Formatter:
    """One JSON object a line (python-json-logger): time, level, logger, message, and the exception if any."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})


def configure_logging(level: str = "INFO", file: Path | None = None, json_lines: bool = False) -> None:
    handlers: list[logging.Handler] = [StderrHandler()]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(json_formatter() if json_lines else logging.Formatter(FORMAT))
        handler.addFilter(PersonalDataFilter())
        root.addHandler(handler)
    root.setLevel(level)
