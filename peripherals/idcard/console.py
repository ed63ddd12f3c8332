"""Line commands that drive a running IdCardSimulator (field staff and demo scripts type them on stdin)."""
from __future__ import annotations

import logging
import shlex

from peripherals.idcard.cardfile import card_keys
from peripherals.idcard.errors import IdCardError
from peripherals.idcard.simulator import IdCardSimulator

logger = logging.getLogger(__name__)

HELP = """commands:
  place KEY|FILE.toml     put a card on the reader (cards: {cards})
  lift                    take the card off
  silent on|off           the reader stops / starts answering
  garbage HEX|off         send these bytes before every reply (noise before the preamble)
  chunk N GAP_MS|off      split replies into N-byte chunks with GAP_MS extra between them
  corrupt N               the next N replies carry a bad checksum
  corrupt-reads N         the next N read replies carry a bad checksum
  fail-reads N            the next N reads answer 41 (read failed), then reads succeed
  fail-selects N          the next N selects answer 81 (select failed)
  lift-mid-read [BYTES]   the next read stops after BYTES bytes (default 400) and the card is gone
  fault-status HEX|off     answer every command with this status byte (60 = self-test failed)
  unplug | plug           the reader disappears / comes back behind the same path
  status                  what is on the reader and which faults are set
  quit                    stop the simulator"""


class SimulatorConsole:
    """execute(line) runs one command and returns the one-line (or help) answer; `done` is set by quit."""

    def __init__(self, sim: IdCardSimulator):
        self.sim = sim
        self.done = False

    def execute(self, line: str) -> str:
        try:
            words = shlex.split(line)
        except ValueError:
            return "error: unbalanced quotes"
        if not words:
            return ""
        name, args = words[0].lower(), words[1:]
        handler = getattr(self, "_" + name.replace("-", "_"), None)
        if handler is None:
            return f"error: unknown command {name!r}; type 'help'"
        try:
            return handler(*args)
        except TypeError:
            return f"error: wrong arguments for {name}; type 'help'"
        except (ValueError, IdCardError) as exc:
            return f"error: {exc}"

    def _help(self) -> str:
        return HELP.format(cards=", ".join(card_keys(self.sim.cards_dir)))

    def _place(self, card: str) -> str:
        placed = self.sim.place(card)
        return f"placed {placed.card_type} card {card}"

    def _lift(self) -> str:
        self.sim.lift()
        return "lifted"

    def _silent(self, state: str) -> str:
        self.sim.silent = _on_off(state)
        return f"silent {'on' if self.sim.silent else 'off'}"

    def _garbage(self, *hex_bytes: str) -> str:
        if not hex_bytes:
            raise ValueError("give the bytes in hex, or off")
        self.sim.faults.garbage = b"" if hex_bytes == ("off",) else bytes.fromhex("".join(hex_bytes))
        return f"garbage {self.sim.faults.garbage.hex(' ') or 'off'}"

    def _chunk(self, size: str, gap_ms: str = "0") -> str:
        if size == "off":
            self.sim.faults.chunk, self.sim.faults.chunk_gap_s = None, 0.0
            return "chunk off"
        n, gap = int(size), float(gap_ms)
        if n < 1 or gap < 0:
            raise ValueError("chunk size must be at least 1 and the gap not negative")
        self.sim.faults.chunk, self.sim.faults.chunk_gap_s = n, gap / 1000
        return f"chunk {n} bytes, {gap:g} ms apart"

    def _counter(self, attribute: str, count: str) -> str:
        n = int(count)
        if n < 0:
            raise ValueError("a count cannot be negative")
        setattr(self.sim.faults, attribute, n)
        return f"{attribute.replace('_', '-')} {n}"

    def _corrupt(self, count: str) -> str:
        return self._counter("corrupt_replies", count)

    def _corrupt_reads(self, count: str) -> str:
        return self._counter("corrupt_reads", count)

    def _fail_reads(self, count: str) -> str:
        return self._counter("fail_reads", count)

    def _fail_selects(self, count: str) -> str:
        return self._counter("fail_selects", count)

    def _lift_mid_read(self, after: str = "400") -> str:
        self.sim.faults.lift_after_bytes = int(after)
        self.sim.faults.lift_mid_read = True
        return f"the next read stops after {int(after)} bytes and the card is lifted"

    def _fault_status(self, value: str) -> str:
        if value == "off":
            self.sim.faults.status = None
            return "fault-status off"
        status = int(value, 16)
        if not 0 <= status <= 0xFF:
            raise ValueError("a status is one byte, 00 to FF")
        self.sim.faults.status = status
        return f"fault-status {status:02X}"

    def _unplug(self) -> str:
        self.sim.unplug()
        return "unplugged"

    def _plug(self) -> str:
        self.sim.plug()
        return f"plugged in: {self.sim.path}"

    def _status(self) -> str:
        card = self.sim.card
        on_reader = f"{card.card_type} card" if card else "no card"
        return f"{on_reader}; silent {'on' if self.sim.silent else 'off'}; faults {self.sim.faults}"

    def _quit(self) -> str:
        self.done = True
        return "bye"


def _on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise ValueError("say on or off")
    return value == "on"
