"""Pinyin input for the on-screen keyboard: typed letters -> candidate words and characters, most frequent first.

The dictionary is not hand-made: readings come from pypinyin (its per-character table and its phrase-aware
conversion), frequencies from jieba's word list (the corpus counts that jieba segments with). Both ship their data in
the package, so nothing is downloaded at run time. The index is built once per process, on first use or in the
background through `warm_up()` (about two seconds on a kiosk CPU).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_WORD_CHARS = 4  # longer phrases are rare in addresses and slow the index
MIN_WORD_FREQUENCY = 50  # jieba counts below this are mostly names and rare compounds
MAX_CANDIDATES = 200
SECONDARY_READING_DISCOUNT = 1000
CJK_FIRST, CJK_LAST = 0x4E00, 0x9FA5  # the unified ideographs every kiosk font (GBK) draws


@dataclass(frozen=True)
class Candidate:
    """One choice in the candidates bar: the text, and how many typed letters it takes."""

    text: str
    letters: int


class PinyinDictionary:
    """Syllable sequences -> words (with frequency). Use `shared()`: the index is large and the same for everyone."""

    _shared: PinyinDictionary | None = None
    _lock = threading.Lock()

    def __init__(self, min_frequency: int = MIN_WORD_FREQUENCY, max_word_chars: int = MAX_WORD_CHARS):
        import jieba
        from pypinyin import Style, lazy_pinyin
        from pypinyin.contrib.tone_convert import to_normal
        from pypinyin.pinyin_dict import pinyin_dict

        frequency: dict[str, int] = {}
        words: list[str] = []
        with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as lines:
            for line in lines:
                word, count, _tag = line.rstrip("\n").split(" ")
                count = int(count)
                if len(word) == 1:
                    frequency[word] = count
                elif len(word) <= max_word_chars and count >= min_frequency and _all_cjk(word):
                    frequency[word] = count
                    words.append(word)
        self.frequency = frequency
        entries: dict[tuple[str, ...], dict[str, int]] = {}
        syllables: set[str] = set()
        for code, readings in pinyin_dict.items():
            if not CJK_FIRST <= code <= CJK_LAST:
                continue
            char = chr(code)
            for rank, reading in enumerate(readings.split(",")):
                syllable = to_normal(reading.strip())
                if syllable.isascii() and syllable.isalpha():
                    syllables.add(syllable)
                    # a character's first reading is its common one: 六 is liu, its lu (in place names) is rare
                    weight = frequency.get(char, 0) // (1 if rank == 0 else SECONDARY_READING_DISCOUNT)
                    found = entries.setdefault((syllable,), {})
                    found[char] = max(found.get(char, 0), weight)
        for word in words:
            key = tuple(lazy_pinyin(word, style=Style.NORMAL))
            if all(s in syllables for s in key):
                entries.setdefault(key, {})[word] = frequency[word]
        self.syllables = frozenset(syllables)
        self._prefixes = frozenset(s[:i] for s in syllables for i in range(1, len(s) + 1))
        self._by_first: dict[str, list[str]] = {}
        for s in sorted(syllables):
            for i in range(1, len(s) + 1):
                self._by_first.setdefault(s[:i], []).append(s)
        self._weights = entries
        self.entries = {key: sorted(found, key=lambda w: (-found[w], w)) for key, found in entries.items()}
        logger.info("pinyin index: %d syllables, %d keys", len(syllables), len(self.entries))

    @classmethod
    def ready(cls) -> bool:
        """True once the shared index is built (the keyboard shows its candidates from then on)."""
        return cls._shared is not None

    @classmethod
    def shared(cls) -> PinyinDictionary:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def segment(self, letters: str) -> list[str]:
        """The letters split into syllables, fewest pieces first; the last piece may be an unfinished syllable."""
        n = len(letters)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - 6), end):
                piece = letters[start:end]
                head = best[start]
                if head is None:
                    continue
                whole = piece in self.syllables
                unfinished = end == n and piece in self._prefixes
                if whole or unfinished:
                    candidate = head + [piece]
                    if best[end] is None or len(candidate) < len(best[end]):
                        best[end] = candidate
        if best[n] is not None:
            return best[n]
        # letters that are no pinyin at all: the longest segmentable start, then each letter alone
        for end in range(n, 0, -1):
            if best[end] is not None:
                return best[end] + list(letters[end:])
        return list(letters)

    def lookup(self, pieces: list[str]) -> list[str]:
        """Words for exactly these syllables; an unfinished last piece matches every syllable it starts."""
        if not pieces:
            return []
        *head, last = pieces
        if tuple(pieces) in self.entries and last in self.syllables:
            return list(self.entries[tuple(pieces)])
        found: dict[str, int] = {}
        for syllable in self._by_first.get(last, ()):
            for word, weight in self._weights.get(tuple(head) + (syllable,), {}).items():
                found[word] = max(found.get(word, 0), weight)
        return sorted(found, key=lambda w: (-found[w], w))

    def candidates(self, letters: str, limit: int = MAX_CANDIDATES) -> list[Candidate]:
        """What to offer for the typed letters: words spanning all of them first, then shorter starts."""
        letters = letters.lower()
        pieces = self.segment(letters)
        result: list[Candidate] = []
        seen: set[str] = set()
        for count in range(len(pieces), 0, -1):
            taken = sum(len(p) for p in pieces[:count])
            for word in self.lookup(pieces[:count]):
                if word not in seen:
                    seen.add(word)
                    result.append(Candidate(word, taken))
                    if len(result) >= limit:
                        return result
        return result


def warm_up() -> threading.Thread:
    """Builds the shared index in a background thread, so the first key press does not wait for it."""
    thread = threading.Thread(target=PinyinDictionary.shared, name="pinyin-index", daemon=True)
    thread.start()
    return thread


class PinyinComposer:
    """What the keyboard is typing: committed text plus the pinyin letters not yet turned into characters."""

    def __init__(self, dictionary: PinyinDictionary | None = None, max_length: int = 120):
        self._dictionary = dictionary
        self.text = ""
        self.letters = ""
        self.max_length = max_length

    @property
    def dictionary(self) -> PinyinDictionary:
        if self._dictionary is None:
            self._dictionary = PinyinDictionary.shared()
        return self._dictionary

    def candidates(self) -> list[Candidate]:
        return self.dictionary.candidates(self.letters) if self.letters else []

    def type_letter(self, letter: str) -> None:
        letter = letter.lower()
        if len(letter) == 1 and "a" <= letter <= "z" and len(self.letters) < 30:
            self.letters += letter

    def type_text(self, text: str) -> None:
        """Digits, Latin letters in English mode, punctuation: committed as they are (pending pinyin first)."""
        self.commit_letters()
        self._append(text)

    def choose(self, candidate: Candidate) -> None:
        self._append(candidate.text)
        self.letters = self.letters[candidate.letters:]

    def commit_letters(self) -> None:
        """The pending letters as Latin text (Enter or a space with no candidate wanted)."""
        if self.letters:
            self._append(self.letters)
            self.letters = ""

    def backspace(self) -> None:
        if self.letters:
            self.letters = self.letters[:-1]
        else:
            self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""
        self.letters = ""

    def _append(self, text: str) -> None:
        room = self.max_length - len(self.text)
        if room > 0:
            self.text += text[:room]


def _all_cjk(word: str) -> bool:
    return all(CJK_FIRST <= ord(c) <= CJK_LAST for c in word)
