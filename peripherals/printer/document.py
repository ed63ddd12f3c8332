"""A4 document and certificate printers: a PDF goes to a CUPS queue (`lp -d QUEUE`, fed on stdin) or, in the demo
and tests, is saved to a directory. Status comes from `lpstat -p QUEUE` (or whether the directory is writable)."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from peripherals.status import CompletionCode, Device, DeviceStatus

logger = logging.getLogger(__name__)

_JOB_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_REQUEST_ID = re.compile(r"request id is (\S+)")


def safe_job_name(name: str) -> str:
    """A job or file name with nothing but [A-Za-z0-9_.-]; callers pass ids, never personal data."""
    cleaned = _JOB_NAME.sub("_", name).strip("._")[:80]
    return cleaned or "document"


class DocumentPrinter(Device):
    def __init__(self, *, cups_queue: str | None = None, output_dir: str | os.PathLike | None = None,
                 name: str = "document_printer", timeout_s: float = 30.0, poll_interval_s: float = 30.0):
        super().__init__(name)
        self.poll_interval_s = poll_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not cups_queue and output_dir is None:
            raise ValueError("a CUPS queue or an output directory is required")
        self.cups_queue = cups_queue
        self.output_dir = Path(output_dir) if output_dir is not None and not cups_queue else None
        self.timeout_s = timeout_s
        self.last_job: str | None = None

    @classmethod
    def from_config(cls, config, name: str = "document_printer") -> "DocumentPrinter":
        return cls(cups_queue=config.cups_queue, output_dir=config.output_dir, name=name)

    @property
    def destination(self) -> str:
        return f"cups:{self.cups_queue}" if self.cups_queue else f"dir:{self.output_dir}"

    # -- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self.refresh_status()
        self._thread = threading.Thread(target=self._poll, name=f"printer-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout_s + 1)
            self._thread = None

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_interval_s):
            try:
                self.refresh_status()
            except Exception:  # keep polling whatever lpstat does
                logger.exception("status poll of %s failed", self.name)

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
        try:
            result = subprocess.run(["lpstat", "-p", self.cups_queue], capture_output=True, text=True,
                                    timeout=self.timeout_s, env={**os.environ, "LC_ALL": "C"})
        except (OSError, subprocess.TimeoutExpired):
            return DeviceStatus.OFFLINE, "cups_not_answering"
        return parse_lpstat(result.returncode, result.stdout)

    # -- printing ---------------------------------------------------------------------------------------------
    def print_pdf(self, pdf: bytes, job_name: str) -> CompletionCode:
        """Never raises for a printer problem: the completion code says what happened."""
        if not pdf.startswith(b"%PDF-"):
            return CompletionCode.INVALID_DATA
        job = safe_job_name(job_name)
        if self.cups_queue:
            return self._print_cups(pdf, job)
        return self._save(pdf, job)

    def _print_cups(self, pdf: bytes, job: str) -> CompletionCode:
        if shutil.which("lp") is None:
            self.set_status(DeviceStatus.OFFLINE, "cups_client_missing")
            return CompletionCode.HARDWARE_ERROR
        try:
            # The PDF goes on stdin: no copy with the holder's name is left in a temporary file.
            result = subprocess.run(["lp", "-d", self.cups_queue, "-t", job, "-"], input=pdf, capture_output=True,
                                    timeout=self.timeout_s, env={**os.environ, "LC_ALL": "C"})
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
        return CompletionCode.SUCCESS

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
                 timeout_s: float = 30.0, poll_interval_s: float = 30.0):
        super().__init__(cups_queue=cups_queue, output_dir=output_dir, name=name, timeout_s=timeout_s,
                         poll_interval_s=poll_interval_s)

    @classmethod
    def from_config(cls, config, name: str = "certificate_printer") -> "CertificatePrinter":
        return cls(cups_queue=config.cups_queue, output_dir=config.output_dir, name=name)


def parse_lpstat(returncode: int, stdout: str) -> tuple[DeviceStatus, str]:
    """`lpstat -p QUEUE` (LC_ALL=C): "printer Q is idle.  enabled since ...", "now printing", "disabled since"."""
    if returncode != 0 or not stdout.strip():
        return DeviceStatus.OFFLINE, "queue_unknown"
    text = stdout.lower()
    if " disabled" in text:
        if "media-empty" in text or "out of paper" in text:
            return DeviceStatus.MEDIA_OUT, "paper_out"
        return DeviceStatus.OFFLINE, "queue_disabled"
    if "media-empty" in text or "out of paper" in text:
        return DeviceStatus.MEDIA_OUT, "paper_out"
    if "media-low" in text:
        return DeviceStatus.MEDIA_LOW, "paper_low"
    if "now printing" in text:
        return DeviceStatus.BUSY, "printing"
    if "is idle" in text:
        return DeviceStatus.ONLINE, ""
    return DeviceStatus.HARDWARE_ERROR, "queue_state_unknown"
