"""A private CUPS scheduler for the tests: its own config, spool and domain socket in a temp dir, queues to files.

cupsd (Debian package cups) runs in the foreground as the current user or root, listening only on a socket in its
own directory, with `FileDevice Yes` so a queue's device can be file:///<dir>/out/<queue>.pdf. A queue uses the
Generic PDF Printer PPD of cups-filters, as an office printer that takes PDF would: CUPS runs its real filter chain
(pdftopdf) and writes what the printer would receive (the PDF inside a PJL job) to that file.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

logger = logging.getLogger(__name__)

CUPSD = Path("/usr/sbin/cupsd")
PDF_PRINTER_PPD = Path("/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd")
START_TIMEOUT_S = 20.0


def missing() -> str | None:
    """Why a private cupsd cannot run here, or None."""
    if not CUPSD.exists():
        return "cupsd not installed (Debian package cups; scripts/system-deps.sh installs it)"
    for tool in ("lp", "lpstat", "lpadmin"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (Debian package cups-client)"
    if not PDF_PRINTER_PPD.exists():
        return f"{PDF_PRINTER_PPD} missing (Debian package cups-filters)"
    return None


class PrivateCups:
    """start() / stop(); add_queue(name) -> the file its output lands in; env for lp, lpstat, lpadmin."""

    def __init__(self):
        # Short path under /tmp: a domain socket path must stay under 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-cups-", dir="/tmp"))
        self.socket = self.root / "cups.sock"
        self.out = self.root / "out"
        self.process: subprocess.Popen | None = None

    @property
    def server(self) -> str:
        return str(self.socket)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.server, "LC_ALL": "C"}

    def start(self) -> "PrivateCups":
        for sub in ("spool/tmp", "cache", "state", "log", "ppd", "out"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # cupsd runs filters as the unprivileged user lp: it must reach the spool under this directory.
            self.root.chmod(0o755)
        (self.root / "cupsd.conf").write_text(
            f"LogLevel info\nListen {self.socket}\nBrowsing Off\nWebInterface No\nDefaultAuthType None\n"
            # A proof carries the holder's name: keep the job's record, not its document (CUPS keeps it a day by
            # default); a production cupsd.conf wants the same line.
            "MaxJobs 100\nPreserveJobHistory Yes\nPreserveJobFiles No\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n")
        (self.root / "cups-files.conf").write_text(
            "FileDevice Yes\n"
            f"ServerRoot {self.root}\nStateDir {self.root}/state\nCacheDir {self.root}/cache\n"
            f"RequestRoot {self.root}/spool\nTempDir {self.root}/spool/tmp\n"
            f"AccessLog {self.root}/log/access_log\nErrorLog {self.root}/log/error_log\n"
            f"PageLog {self.root}/log/page_log\n")
        self.process = subprocess.Popen(
            [str(CUPSD), "-f", "-c", str(self.root / "cupsd.conf"), "-s", str(self.root / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cupsd exited: {self.process.stderr.read().decode(errors='replace')[-500:]}"
                                   f"{self.log_tail()}")
            if self.socket.exists() and self._run("lpstat", "-r", check=False).returncode == 0:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"cupsd did not come up within {START_TIMEOUT_S:g} s{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process is not None:
            self.process.stderr.close()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "PrivateCups":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(list(argv), env=self.env, capture_output=True, text=True, timeout=30)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.strip()}{self.log_tail()}")
        return result

    def add_queue(self, name: str, device_uri: str | None = None) -> Path:
        """An enabled, accepting A4 PDF-printer queue whose device is a file (or device_uri, e.g. a socket:// printer
        on loopback); returns the file's path."""
        target = self.out / f"{name}.pdf"
        if device_uri is None:
            # cups 2.4.2-3+deb12u10 and later open a file: device without O_CREAT: the file must already exist.
            # cupsd (root, or this user when not root) writes it; only the tests' own user reads it back.
            target.touch(mode=0o600, exist_ok=True)
            target.chmod(0o600)
        self._run("lpadmin", "-p", name, "-v", device_uri or f"file://{target}", "-P", str(PDF_PRINTER_PPD),
                  "-o", "PageSize=A4", "-E")
        return target

    def disable(self, name: str, reason: str = "") -> None:
        self._run("cupsdisable", *(["-r", reason] if reason else []), name)

    def enable(self, name: str) -> None:
        self._run("cupsenable", name)

    def wait_for_jobs(self, name: str, timeout_s: float = 30.0) -> None:
        """Until the queue has no job left that is not completed (held, pending or printing)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self._run("lpstat", "-W", "not-completed", "-o", name, check=False).stdout.strip():
                return
            time.sleep(0.05)
        raise AssertionError(f"jobs on {name} not done within {timeout_s:g} s{self.log_tail()}")

    def completed_jobs(self, name: str) -> list[str]:
        lines = self._run("lpstat", "-W", "completed", "-o", name).stdout.splitlines()
        return [line.split()[0] for line in lines if line.strip()]

    def why_not_printed(self) -> str:
        """The scheduler's last error line ("E [...] [Job 1] Stopping job because ..."), for a test's failure message:
        a job that never prints then says why in one line, not as a bare timeout."""
        log = self.root / "log" / "error_log"
        errors = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("E ")] \
            if log.exists() else []
        return f"cupsd: {errors[-1]}" if errors else "cupsd logged no error"

    def log_tail(self, lines: int = 20) -> str:
        log = self.root / "log" / "error_log"
        if not log.exists():
            return ""
        return "\ncupsd log:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
