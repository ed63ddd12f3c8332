"""CardReader: the polling device driver (card placed / read / removed), with reconnect after an unplug."""
from __future__ import annotations

import logging
import time

import serial

from peripherals.idcard import protocol as p
from peripherals.idcard.errors import IdCardError, ReaderStatusError, ReaderTimeout, ReaderUnavailable
from peripherals.idcard.events import CardPlaced, CardRead, CardReadFailed, CardRemoved
from peripherals.idcard.link import CardGone, ReaderLink
from peripherals.status import BackgroundDevice, CompletionCode, DeviceStatus

logger = logging.getLogger(__name__)

TRANSIENT = frozenset({p.CHECKSUM_ERROR, p.LENGTH_ERROR, p.SELECT_FAILED, p.READ_FAILED})


class CardReader(BackgroundDevice):
    """Polls a SAM ID card reader on any pyserial URL and emits CardPlaced, CardRead, CardReadFailed, CardRemoved.

    Status: OFFLINE until the reader answers, ONLINE while it does, OFFLINE again ("disconnected" or "no answer")
    when the port fails or the reader stops answering; it reconnects by itself.
    """

    def __init__(self, url: str, baud: int = 115200, poll_interval_s: float = 0.25, timeout_s: float = 1.0,
                 name: str = "card_reader", read_attempts: int = 3, silent_polls: int = 2,
                 reconnect_interval_s: float | None = None):
        super().__init__(name)
        self.url = url
        self.baud = baud
        self.poll_interval_s = poll_interval_s
        self.timeout_s = timeout_s
        self.read_attempts = read_attempts
        self.silent_polls = silent_polls  # consecutive unanswered polls before "no answer"
        self.reconnect_interval_s = reconnect_interval_s or max(poll_interval_s, 0.5)
        self._port: serial.SerialBase | None = None
        self._link: ReaderLink | None = None
        self.join_timeout_s = timeout_s + 3
        self._card_present = False
        self._unanswered = 0
        self._reported_bugs: set[type] = set()
        # For the benchmark: when the poll that saw the card began, and the bytes exchanged from then to CardRead.
        self.last_card_seen_at: float | None = None
        self.last_read_bytes = 0

    @property
    def card_present(self) -> bool:
        return self._card_present

    @property
    def bytes_exchanged(self) -> int:
        link = self._link
        return link.bytes_sent + link.bytes_received if link else 0

    # -- the polling thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if self._link is None and not self._open():
                self._stop.wait(self.reconnect_interval_s)
                continue
            started = time.monotonic()
            try:
                self._poll()
            except ReaderUnavailable:
                self._disconnected("disconnected")
                self._stop.wait(self.reconnect_interval_s)
                continue
            except Exception as exc:  # a bug must not end the thread, nor flood the log: report each kind once
                if type(exc) not in self._reported_bugs:
                    self._reported_bugs.add(type(exc))
                    logger.exception("card reader %s: unexpected error while polling", self.name)
                self._disconnected("driver error")
                self._stop.wait(self.reconnect_interval_s)
                continue
            self._stop.wait(max(0.0, self.poll_interval_s - (time.monotonic() - started)))
        self._close()

    def _open(self) -> bool:
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baud, timeout=0.02, write_timeout=1.0)
        except (serial.SerialException, OSError, ValueError) as exc:
            self.set_status(DeviceStatus.OFFLINE, f"cannot open port: {type(exc).__name__}")
            return False
        self._link = ReaderLink(self._port, self.timeout_s, self.baud)
        self._unanswered = 0
        return True

    def _close(self) -> None:
        port, self._port, self._link = self._port, None, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass

    def _disconnected(self, reason: str) -> None:
        self._close()
        self.set_status(DeviceStatus.OFFLINE, reason)
        self._removed()

    def _removed(self) -> None:
        if self._card_present:
            self._card_present = False
            self.emit(CardRemoved(self.name))

    def _poll(self) -> None:
        link = self._link
        assert link is not None
        poll_started, bytes_before = time.monotonic(), link.bytes_sent + link.bytes_received
        try:
            present = link.find()
        except ReaderTimeout:
            self._unanswered += 1
            if self._unanswered >= self.silent_polls:
                self.set_status(DeviceStatus.OFFLINE, "no answer")
            return
        except ReaderUnavailable:
            raise
        except ReaderStatusError as exc:
            self._unanswered = 0
            if exc.status in TRANSIENT:
                return  # our command arrived garbled, or a card at the edge of the field: ask again next poll
            # The reader answers but reports a fault (e.g. SAM self-test failed): a hardware error, not offline.
            self.set_status(DeviceStatus.HARDWARE_ERROR, f"status {exc.status:02X}: {p.describe_status(exc.status)}")
            return
        except IdCardError:
            return  # a corrupt reply: the next poll asks again
        self._unanswered = 0
        self.set_status(DeviceStatus.ONLINE)
        if not present:
            self._removed()
            return
        if self._card_present:
            return  # the same card still lies there: already read (or already reported unreadable)
        self._card_present = True
        self.last_card_seen_at = poll_started
        self.emit(CardPlaced(self.name))
        try:
            card = link.read_card(self.read_attempts, found=True)
        except CardGone:
            self._removed()
            return
        except ReaderUnavailable:
            raise
        except IdCardError as exc:
            code = exc.code if exc.code != CompletionCode.SUCCESS else CompletionCode.HARDWARE_ERROR
            logger.info("card reader %s: card could not be read (%s)", self.name, type(exc).__name__)
            self.emit(CardReadFailed(str(exc), code, self.name))
            return
        self.last_read_bytes = link.bytes_sent + link.bytes_received - bytes_before
        self.emit(CardRead(card, self.name))
