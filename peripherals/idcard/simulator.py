"""IdCardSimulator: a SAM reader speaking the real protocol on a pty, with cards from TOML files and injected faults."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from peripherals.idcard import protocol as p
from peripherals.idcard.card import IdCard
from peripherals.idcard.cardfile import CARDS_DIR, load_card_file
from peripherals.idcard.textblock import encode_text_block
from peripherals.simbase import PtySimulator

logger = logging.getLogger(__name__)

SAM_ID = bytes(range(1, 17))  # a stand-in SAM serial number


@dataclass
class Faults:
    """Faults to inject; counters count down as replies go out. Change them at any time (thread-safe enough:
    each is read once per reply)."""

    garbage: bytes = b""             # sent before every reply (noise before the preamble)
    chunk: int | None = None         # split replies into chunks of this many bytes ...
    chunk_gap_s: float = 0.0         # ... with this extra gap between chunks
    corrupt_replies: int = 0         # the next N replies carry a bad checksum
    corrupt_reads: int = 0           # the next N read replies carry a bad checksum
    fail_reads: int = 0              # the next N read commands answer 41 (read failed)
    fail_selects: int = 0            # the next N select commands answer 81 (select failed)
    lift_mid_read: bool = False      # the next read sends part of its reply, then the card is gone
    lift_after_bytes: int = 400      # how much of that reply goes out first
    status: int | None = None        # answer every command with this status byte (e.g. 0x60 self-test failed)


class IdCardSimulator(PtySimulator):
    """A reader on a pty. `place()` a card by key (a file in cards_dir) or as an IdCard; `lift()` it."""

    def __init__(self, cards_dir: str | Path | None = None, baud: int = 115200, link: str | Path | None = None):
        super().__init__(baud=baud, link=link)
        self.cards_dir = Path(cards_dir) if cards_dir else CARDS_DIR
        self.faults = Faults()
        self._parser = p.FrameParser()
        self._state_lock = threading.Lock()
        self._card: IdCard | None = None
        self._found = False
        self._selected = False
        self.commands_seen: list[tuple[int, int]] = []

    # -- the card on the reader ----------------------------------------------------------------------------------
    @property
    def card(self) -> IdCard | None:
        return self._card

    def place(self, card: str | IdCard) -> IdCard:
        """Put a card on the reader: a card key (e.g. "obama"), a path to a TOML card file, or an IdCard."""
        if not isinstance(card, IdCard):
            card = load_card_file(card, self.cards_dir)
        encode_text_block(card)  # refuse a card whose fields do not fit before it is on the reader
        with self._state_lock:
            self._card = card
            self._found = self._selected = False
        return card

    def lift(self) -> None:
        with self._state_lock:
            self._card = None
            self._found = self._selected = False

    # -- protocol ------------------------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        for body in self._parser.feed(data):
            self._reply_to(body)
        # A frame the parser dropped for its checksum or length is answered with the reader's error status.
        while self._parser.corrupt_frames:
            self._parser.corrupt_frames -= 1
            self._send(p.build_reply(p.CHECKSUM_ERROR))

    def _reply_to(self, body: bytes) -> None:
        if len(body) < 2:
            self._send(p.build_reply(p.LENGTH_ERROR))
            return
        cmd, para = body[0], body[1]
        self.commands_seen.append((cmd, para))
        if self.faults.status is not None:
            self._send(p.build_reply(self.faults.status))
            return
        if cmd == 0x10 and para == 0xFF:
            self.lift_selection()
            self._send(p.build_reply(p.SUCCESS))
        elif cmd == 0x11 and para == 0xFF:
            self._send(p.build_reply(p.SUCCESS))
        elif cmd == 0x12 and para == 0xFF:
            self._send(p.build_reply(p.SUCCESS, SAM_ID))
        elif cmd == 0x20 and para == 0x01:
            self._find()
        elif cmd == 0x20 and para == 0x02:
            self._select()
        elif cmd == 0x30 and para in (0x01, 0x10):
            self._read(with_fingerprint=para == 0x10)
        elif cmd == 0x30 and para == 0x03:
            self._send(p.build_reply(p.NO_CONTENT))
        elif cmd == 0x60 and para < len(p.BAUD_RATES):
            self._send(p.build_reply(p.SUCCESS))
            self.baud = p.BAUD_RATES[para]
        else:
            self._send(p.build_reply(p.COMMAND_ERROR))

    def lift_selection(self) -> None:
        with self._state_lock:
            self._found = self._selected = False

    def _find(self) -> None:
        with self._state_lock:
            present = self._card is not None
            self._found = present
            self._selected = False
        if present:
            self._send(p.build_reply(p.FIND_SUCCESS, bytes(4)))
        else:
            self._send(p.build_reply(p.NO_CARD))

    def _select(self) -> None:
        with self._state_lock:
            ok = self._card is not None and self._found
            if ok and self.faults.fail_selects > 0:
                self.faults.fail_selects -= 1
                ok = False
            self._selected = ok
        self._send(p.build_reply(p.SUCCESS, bytes(8)) if ok else p.build_reply(p.SELECT_FAILED))

    def _read(self, with_fingerprint: bool) -> None:
        with self._state_lock:
            card = self._card if self._selected else None
            if card is not None and self.faults.fail_reads > 0:
                self.faults.fail_reads -= 1
                card = None
            lift = card is not None and self.faults.lift_mid_read
            if lift:
                self.faults.lift_mid_read = False
        if card is None:
            self._send(p.build_reply(p.READ_FAILED))
            return
        frame = p.text_photo_reply(encode_text_block(card), card.photo_wlt.ljust(p.PHOTO_LEN, b"\0")[:p.PHOTO_LEN],
                                   b"" if with_fingerprint else None)
        if self.faults.corrupt_reads > 0:
            self.faults.corrupt_reads -= 1
            frame = frame[:-1] + bytes((frame[-1] ^ 0x5A,))
        if lift:
            self._send(frame[:self.faults.lift_after_bytes])
            self.lift()
            return
        self._send(frame)

    def _send(self, frame: bytes) -> None:
        faults = self.faults
        if faults.corrupt_replies > 0:
            faults.corrupt_replies -= 1
            frame = frame[:-1] + bytes((frame[-1] ^ 0x5A,))
        if faults.garbage:
            frame = faults.garbage + frame
        self.write(frame, chunk=faults.chunk, gap_s=faults.chunk_gap_s if faults.chunk else 0.0)
