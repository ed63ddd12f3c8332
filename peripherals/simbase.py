"""Base for device simulators: a pty that a real driver opens like a serial port, with bytes paced at the baud rate.

A pty delivers bytes as fast as the CPU allows; a real UART does not. Writes here are paced at 10 bits per byte
(8N1) so timings measured through a simulator mean something. A stable symlink stands in for /dev/serial/by-id, so
"unplug" (the pty vanishes) and "plug back" (a new pty behind the same name) exercise a driver's reconnect path.
"""
from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty
from pathlib import Path

logger = logging.getLogger(__name__)

BITS_PER_BYTE = 10  # start bit, 8 data bits, stop bit


def wire_time(n_bytes: int, baud: int) -> float:
    """Seconds a UART at `baud` (8N1) takes to carry n_bytes."""
    return n_bytes * BITS_PER_BYTE / baud


class PtySimulator:
    """Subclass and implement data_received(); call write() to answer. Thread-safe writes."""

    def __init__(self, baud: int | None = 115200, link: str | os.PathLike | None = None):
        self.baud = baud
        self.link = Path(link) if link else None
        self._master: int | None = None
        self._slave: int | None = None
        self._pty_path: str | None = None
        self._thread: threading.Thread | None = None
        self._running = False
        self._write_lock = threading.Lock()
        self.silent = False  # fault: swallow every reply

    # -- lifecycle --------------------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        """What a driver opens: the stable link if one was asked for, else the pty itself."""
        if self.link is not None:
            return str(self.link)
        if self._pty_path is None:
            raise RuntimeError("simulator not started")
        return self._pty_path

    def start(self) -> "PtySimulator":
        self._open()
        self._running = True
        self._thread = threading.Thread(target=self._pump, name=f"sim-{type(self).__name__}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._running = False
        self._close()
        if self._thread is not None:
            self._thread.join(2)

    def unplug(self) -> None:
        """The device disappears: the pty closes and the stable name no longer resolves."""
        self._close()

    def plug(self) -> None:
        """The device comes back, as a new pty behind the same stable name."""
        if self._master is None:
            self._open()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- I/O --------------------------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def write(self, data: bytes, chunk: int | None = None, gap_s: float = 0.0) -> None:
        """Send bytes at the line rate; optionally in chunks with an extra gap between them (a fault)."""
        if self.silent or not data:
            return
        with self._write_lock:
            step = chunk or 16
            deadline = time.monotonic()
            for i in range(0, len(data), step):
                part = data[i:i + step]
                # A byte is there only once its last bit has arrived: wait first, then hand the chunk over.
                if self.baud:
                    deadline += wire_time(len(part), self.baud)
                if chunk and gap_s and i:
                    deadline += gap_s
                delay = deadline - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                master = self._master
                if master is None:
                    return
                try:
                    os.write(master, part)
                except OSError:
                    return

    # -- internals --------------------------------------------------------------------------------------------
    def _open(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        # The simulator keeps the slave end open itself so the pty survives a driver closing and reopening it.
        self._master, self._slave, self._pty_path = master, slave, os.ttyname(slave)
        if self.link is not None:
            self.link.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.link.with_name(self.link.name + ".new")
            if tmp.is_symlink() or tmp.exists():
                tmp.unlink()
            tmp.symlink_to(self._pty_path)
            os.replace(tmp, self.link)

    def _close(self) -> None:
        master, slave = self._master, self._slave
        self._master = self._slave = None
        if self.link is not None and self.link.is_symlink():
            self.link.unlink()
        for fd in (master, slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _pump(self) -> None:
        while self._running:
            master = self._master
            if master is None:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select([master], [], [], 0.1)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except (OSError, ValueError):
                time.sleep(0.02)
                continue
            if data:
                try:
                    self.data_received(data)
                except Exception:
                    logger.exception("simulator %s failed on input", type(self).__name__)
