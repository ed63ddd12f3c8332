"""A4 document and certificate printers: a PDF goes to a CUPS queue (`lp -d QUEUE`, fed on stdin) or, in the demo
and tests, is saved to a directory. Status comes from `lpstat -l -p QUEUE`: the queue's state and the printer's IPP
state reasons (or whether the directory is writable).

The CUPS server is the local one unless `cups_server` names another (host[:port] or the path of a domain socket),
passed to lp and lpstat as CUPS_SERVER; the tests use it to print through a private cupsd.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from peripherals.status import BackgroundDevice, CompletionCode, DeviceStatus

logger = logging.getLogger(__name__)

_JOB_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_REQUEST_ID = re.compile(r"request id is (\S+)")


def safe_job_name(name: str) -> str:
    """A job or file name with nothing but [A-Za-z0-9_.-]; callers pass ids, never personal data."""
    cleaned = _JOB_NAME.sub("_", name).strip("._")[:80]
    return cleaned or "document"


class DocumentPrinter(BackgroundDevice):
    def __init__(self, *, cups_queue: str | None = None, output_dir: str | os.PathLike | None = None,
                 name: str = "document_printer", timeout_s: float = 30.0, poll_interval_s: float = 30.0,
                 cups_server: str | None = None, job_wait_s: float = 120.0, job_poll_s: float = 0.25):
        """job_wait_s: how long print_pdf follows a CUPS job until it has printed (0: return once queued)."""
        super().__init__(name)
        self.cups_server = cups_server
        self.job_wait_s = job_wait_s
        self.job_poll_s = job_poll_s
        self.poll_interval_s = poll_interval_s
        if not cups_queue and output_dir is None:
            raise ValueError("a CUPS queue or an output directory is required")
        self.cups_queue = cups_queue
        self.output_dir = Path(output_dir) if output_dir is not None and not cups_queue else None
        self.timeout_s = timeout_s
        self.join_timeout_s = timeout_s + 1  # a status poll (lpstat) may take up to timeout_s
        self.last_job: str | None = None

    @classmethod
    def from_config(cls, config, name: str = "document_printer") -> "DocumentPrinter":
        return cls(cups_queue=config.cups_queue, output_dir=config.output_dir, name=name,
                   cups_server=config.cups_server, job_wait_s=config.job_wait_s)

    @property
    def destination(self) -> str:
        return f"cups:{self.cups_queue}" if self.cups_queue else f"dir:{self.output_dir}"

    # -- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> "DocumentPrinter":
        self.refresh_status()  # a true status before the first poll
        return super().start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_interval_s):
            try:
                self.refresh_status()
            except Exception:  # keep polling whatever lpstat does
                logger.exception("status poll of %s failed", self.name)

    def _close(self) -> None:
        """Nothing is held open: every job and every status query is its own CUPS command."""

    # -- status -----------------------------------------------------------------------------------------------
    def refresh_status(self) -> DeviceStatus:
        if self.cups_queue:
            status, reason = self._cups_status()
        else:
            status, reason = self._dir_status()
        self.set_status(status, reason)
        return status

    def _dir_status(self) -> tuple[DeviceStatus, str]:
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return DeviceStatus.OFFLINE, "output_dir_unavailable"
        if not os.access(self.output_dir, os.W_OK):
            return DeviceStatus.OFFLINE, "output_dir_not_writable"
        return DeviceStatus.ONLINE, ""

    def _cups_status(self) -> tuple[DeviceStatus, str]:
        if shutil.which("lpstat") is None:
            return DeviceStatus.OFFLINE, "cups_client_missing"
        result = self._lpstat("-l", "-p", self.cups_queue)
        if result is None:
            return DeviceStatus.OFFLINE, "cups_not_answering"
        status, reason = parse_lpstat(result.returncode, result.stdout)
        if reason == "queue_unknown" and not self._scheduler_running():
            reason = "cups_not_running"  # lpstat says the same for both: tell field staff which one it is
        return status, reason

    def _scheduler_running(self) -> bool:
        result = self._lpstat("-r")
        return result is not None and result.stdout.strip() == "scheduler is running"

    def _lpstat(self, *args: str) -> subprocess.CompletedProcess | None:
        """lpstat's answer, or None if it could not run or CUPS did not answer in time."""
        try:
            return subprocess.run(["lpstat", *args], capture_output=True, text=True, timeout=self.timeout_s,
                                  env=self._cups_env())
        except (OSError, subprocess.TimeoutExpired):
            return None

    # -- printing ---------------------------------------------------------------------------------------------
    def print_pdf(self, pdf: bytes, job_name: str) -> CompletionCode:
        """Never raises for a printer problem: the completion code says what happened."""
        if not pdf.startswith(b"%PDF-"):
            return CompletionCode.INVALID_DATA
        job = safe_job_name(job_name)
        if self.cups_queue:
            return self._print_cups(pdf, job)
        return self._save(pdf, job)

    def _cups_env(self) -> dict[str, str]:
        """English messages (parse_lpstat reads them) and the CUPS server, if not the default one."""
        env = {**os.environ, "LC_ALL": "C"}
        if self.cups_server:
            env["CUPS_SERVER"] = self.cups_server
        return env

    def _print_cups(self, pdf: bytes, job: str) -> CompletionCode:
        if shutil.which("lp") is None:
            self.set_status(DeviceStatus.OFFLINE, "cups_client_missing")
            return CompletionCode.HARDWARE_ERROR
        # A stopped (disabled) queue still accepts jobs and holds them: the applicant would wait for paper that
        # never comes, with their document left in the spool. Ask first.
        status = self.refresh_status()
        if not status.usable:
            logger.warning("document %s not sent: queue %s is %s", job, self.cups_queue, status.value)
            return CompletionCode.NO_MEDIA if status == DeviceStatus.MEDIA_OUT else CompletionCode.HARDWARE_ERROR
        try:
            # The PDF goes on stdin: no copy with the holder's name is left in a temporary file.
            result = subprocess.run(["lp", "-d", self.cups_queue, "-t", job, "-"], input=pdf, capture_output=True,
                                    timeout=self.timeout_s, env=self._cups_env())
        except subprocess.TimeoutExpired:
            self.set_status(DeviceStatus.OFFLINE, "cups_not_answering")
            return CompletionCode.TIMEOUT
        except OSError:
            self.set_status(DeviceStatus.OFFLINE, "cups_client_failed")
            return CompletionCode.HARDWARE_ERROR
        if result.returncode != 0:
            logger.warning("lp refused job %s on %s: %s", job, self.cups_queue,
                           result.stderr.decode("utf-8", "replace").strip()[:200])
            self.refresh_status()
            return CompletionCode.HARDWARE_ERROR
        match = _REQUEST_ID.search(result.stdout.decode("utf-8", "replace"))
        self.last_job = match.group(1) if match else job
        logger.info("document %s sent to CUPS queue %s as %s", job, self.cups_queue, self.last_job)
        if match is None or self.job_wait_s <= 0:
            return CompletionCode.SUCCESS
        return self._follow(self.last_job)

    def _follow(self, job_id: str) -> CompletionCode:
        """Until the job has left the queue. A job that cannot print now (the queue stopped, the paper ran out, or
        nothing came out within job_wait_s) is cancelled: the holder's document must not come out later, for
        whoever stands at the kiosk then."""
        deadline = time.monotonic() + self.job_wait_s
        while True:
            state = self._job_state(job_id)
            if state == "printed":
                logger.info("document job %s printed", job_id)
                return CompletionCode.SUCCESS
            if state == "failed":
                self._cancel(job_id)  # if it waits to be tried again: it would fail again, or print too late
                logger.warning("document job %s ended with errors on %s", job_id, self.cups_queue)
                return CompletionCode.HARDWARE_ERROR
            status = self.refresh_status()
            if state is None or not status.usable or time.monotonic() >= deadline:
                self._cancel(job_id)
                code = CompletionCode.TIMEOUT if status.usable else \
                    CompletionCode.NO_MEDIA if status == DeviceStatus.MEDIA_OUT else CompletionCode.HARDWARE_ERROR
                logger.warning("document job %s cancelled: %s (queue %s is %s)", job_id, code.value,
                               self.cups_queue, status.value)
                return code
            time.sleep(self.job_poll_s)

    def _job_state(self, job_id: str) -> str | None:
        """pending, printed or failed (from the job's IPP job-state-reasons); None if CUPS does not answer."""
        waiting = self._lpstat("-l", "-W", "not-completed", "-o", self.cups_queue)
        if waiting is None or waiting.returncode != 0:
            return None
        if job_id in (line.split()[0] for line in waiting.stdout.splitlines() if line[:1].strip()):
            # A job whose filters failed waits again, marked job-completed-with-errors: it will not print.
            return "failed" if job_reasons(waiting.stdout, job_id) & JOB_FAILED_REASONS else "pending"
        done = self._lpstat("-l", "-W", "completed", "-o", self.cups_queue)
        if done is None or done.returncode != 0:
            return None
        return "failed" if job_reasons(done.stdout, job_id) & JOB_FAILED_REASONS else "printed"

    def _cancel(self, job_id: str) -> None:
        try:
            subprocess.run(["cancel", job_id], capture_output=True, timeout=self.timeout_s, env=self._cups_env())
        except (OSError, subprocess.TimeoutExpired):
            logger.warning("could not cancel document job %s", job_id)

    def _save(self, pdf: bytes, job: str) -> CompletionCode:
        status, reason = self._dir_status()
        if status != DeviceStatus.ONLINE:
            self.set_status(status, reason)
            return CompletionCode.HARDWARE_ERROR
        target = self.output_dir / f"{job}.pdf"
        try:
            fd, tmp = tempfile.mkstemp(dir=self.output_dir, prefix=".job-", suffix=".pdf")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(pdf)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError:
            self.set_status(DeviceStatus.OFFLINE, "output_dir_not_writable")
            return CompletionCode.HARDWARE_ERROR
        self.set_status(DeviceStatus.ONLINE)
        self.last_job = str(target)
        logger.info("document %s saved to %s", job, self.output_dir)
        return CompletionCode.SUCCESS


class CertificatePrinter(DocumentPrinter):
    """Prints certificate content onto pre-printed blanks; which blank is used is kept by the blank ledger."""

    def __init__(self, *, cups_queue: str | None = None, output_dir=None, name: str = "certificate_printer",
                 timeout_s: float = 30.0, poll_interval_s: float = 30.0, cups_server: str | None = None,
                 job_wait_s: float = 120.0, job_poll_s: float = 0.25):
        super().__init__(cups_queue=cups_queue, output_dir=output_dir, name=name, timeout_s=timeout_s,
                         poll_interval_s=poll_interval_s, cups_server=cups_server, job_wait_s=job_wait_s,
                         job_poll_s=job_poll_s)

    @classmethod
    def from_config(cls, config, name: str = "certificate_printer") -> "CertificatePrinter":
        return cls(cups_queue=config.cups_queue, output_dir=config.output_dir, name=name,
                   cups_server=config.cups_server, job_wait_s=config.job_wait_s)


# IPP job-state-reasons of a finished job that did not print (CUPS lists every ended job as "completed").
JOB_FAILED_REASONS = frozenset({"job-completed-with-errors", "aborted-by-system", "job-aborted-by-system",
                                "job-canceled-by-user", "job-canceled-by-operator", "job-canceled-at-device",
                                "document-format-error", "document-unprintable-error"})


def job_reasons(listing: str, job_id: str) -> set[str]:
    """The "Alerts:" (job-state-reasons) of one job in `lpstat -l -o` output."""
    reasons: set[str] = set()
    current = None
    for line in listing.splitlines():
        if line[:1].strip():
            current = line.split()[0]
        elif current == job_id and line.strip().startswith("Alerts:"):
            reasons |= set(line.split(":", 1)[1].split())
    return reasons


# IPP printer-state-reasons (RFC 8011, PWG 5100.9) a queue reports in lpstat's "Alerts:" line, without their
# -report / -warning / -error suffix, that stop a document being printed.
BLOCKING_REASONS = {"media-empty": (DeviceStatus.MEDIA_OUT, "paper_out"),
                    "media-needed": (DeviceStatus.MEDIA_OUT, "paper_out"),
                    "media-jam": (DeviceStatus.JAMMED, "paper_jam"),
                    "door-open": (DeviceStatus.HARDWARE_ERROR, "cover_open"),
                    "cover-open": (DeviceStatus.HARDWARE_ERROR, "cover_open"),
                    "input-tray-missing": (DeviceStatus.HARDWARE_ERROR, "tray_missing"),
                    "toner-empty": (DeviceStatus.HARDWARE_ERROR, "toner_empty"),
                    "marker-supply-empty": (DeviceStatus.HARDWARE_ERROR, "toner_empty"),
                    "offline": (DeviceStatus.OFFLINE, "printer_offline"),
                    "shutdown": (DeviceStatus.OFFLINE, "printer_offline")}


def parse_lpstat(returncode: int, stdout: str) -> tuple[DeviceStatus, str]:
    """`lpstat -l -p QUEUE` (LC_ALL=C): the state line ("printer Q is idle.  enabled since ...", "now printing ...",
    "disabled since ..."), the printer's message under it, and "Alerts:" with its printer-state-reasons."""
    if returncode != 0 or not stdout.strip():
        return DeviceStatus.OFFLINE, "queue_unknown"
    text = stdout.lower()
    head = text.splitlines()[0]
    alerts = set()
    for line in text.splitlines():
        if line.strip().startswith("alerts:"):
            alerts = {re.sub(r"-(report|warning|error)$", "", a) for a in line.split(":", 1)[1].split()}
    for reason, verdict in BLOCKING_REASONS.items():
        if reason in alerts:
            return verdict
    if "media-empty" in text or "out of paper" in text:  # a driver that says it in the message only
        return DeviceStatus.MEDIA_OUT, "paper_out"
    if " disabled" in head:
        return DeviceStatus.OFFLINE, "queue_disabled"
    if "media-low" in alerts or "media-low" in text:
        return DeviceStatus.MEDIA_LOW, "paper_low"
    if "now printing" in head:
        return DeviceStatus.BUSY, "printing"
    if "is idle" in head:
        return DeviceStatus.ONLINE, ""
    return DeviceStatus.HARDWARE_ERROR, "queue_state_unknown"
