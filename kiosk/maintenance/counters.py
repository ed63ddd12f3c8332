"""Maintenance counters (paper used, blanks left, jobs today, locker deposits), kept in a small JSON file."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)


# -- counters -----------------------------------------------------------------------------------------------------
class Counters:
    """Paper used, blanks left, jobs today, locker deposits; kept in a small JSON file so a restart keeps them."""

    def __init__(self, path: Path | None = None, *, today: Callable[[], dt.date] = dt.date.today):
        self.path = Path(path) if path else None
        self.today = today
        self._lock = threading.Lock()
        self.data = {"paper_used_mm": 0, "paper_loaded_at": None, "blanks_left": 0, "jobs_day": today().isoformat(),
                     "jobs_today": {}, "locker_deposits_loaded": 0}
        if self.path and self.path.exists():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(stored, dict):
                    self.data.update({k: v for k, v in stored.items() if k in self.data})
            except (OSError, ValueError):
                logger.warning("maintenance counters unreadable; starting from zero")

    def _roll_day(self) -> None:
        day = self.today().isoformat()
        if self.data["jobs_day"] != day:
            self.data["jobs_day"], self.data["jobs_today"] = day, {}

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data), encoding="utf-8")
        os.replace(tmp, self.path)

    def record_job(self, kind: str, paper_mm: int = 0, blanks: int = 0) -> None:
        if paper_mm < 0 or blanks < 0:
            raise ValueError("paper and blanks used cannot be negative")
        with self._lock:
            self._roll_day()
            jobs = self.data["jobs_today"]
            jobs[kind] = jobs.get(kind, 0) + 1
            self.data["paper_used_mm"] += paper_mm
            self.data["blanks_left"] = max(0, self.data["blanks_left"] - blanks)
            self._save()

    def record_paper(self, paper_mm: int) -> None:
        """Receipt paper used by a print that is not a job of its own (a payment's receipt, a test page)."""
        if paper_mm < 0:
            raise ValueError("paper used cannot be negative")
        with self._lock:
            self.data["paper_used_mm"] += paper_mm
            self._save()

    def load_paper(self) -> None:
        with self._lock:
            self.data["paper_used_mm"] = 0
            self.data["paper_loaded_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            self._save()

    def load_blanks(self, count: int) -> None:
        if not 0 <= count <= 10_000:
            raise ValueError("a blank-certificate count is 0-10000")
        with self._lock:
            self.data["blanks_left"] = count
            self._save()

    def load_deposits(self, count: int) -> None:
        if not 0 <= count <= 1_000:
            raise ValueError("a deposit count is 0-1000")
        with self._lock:
            self.data["locker_deposits_loaded"] += count
            self._save()

    def snapshot(self) -> dict:
        with self._lock:
            self._roll_day()
            data = json.loads(json.dumps(self.data))
        data["jobs_today_total"] = sum(data["jobs_today"].values())
        return data


# A receipt line (24-dot font plus line spacing at 203 dpi) and the feed and cut margin of each job, in millimetres.
LINE_MM = 3.75
JOB_MARGIN_MM = 12


class CountedReceiptPrinter:
    """The receipt printer as the flows see it: every receipt printed is counted (paper used, estimated from the
    lines sent); everything else is the printer itself."""

    def __init__(self, printer, counters: Counters):
        self._printer = printer
        self._counters = counters

    def __getattr__(self, name):
        return getattr(self._printer, name)

    def print_elements(self, elements):
        code = self._printer.print_elements(elements)
        if getattr(code, "value", code) == "success":
            try:
                lines = self._printer.build(elements).count(b"\n")
                self._counters.record_paper(int(lines * LINE_MM + JOB_MARGIN_MM))
            except Exception:  # counting must never cost the applicant their receipt
                logger.exception("could not count the receipt's paper")
        return code
