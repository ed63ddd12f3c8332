"""The blank-certificate ledger: loaded = printed + voided + remaining, always, including across a SIGKILL."""
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.documents.ledger import BlankLedger, LedgerError, NoBlankLoaded, report_event, serial_range

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def ledger(tmp_path):
    with BlankLedger(tmp_path / "ledger.sqlite3") as ledger:
        yield ledger


def test_database_is_wal_with_full_sync(ledger):
    assert ledger._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_load_print_and_void_keep_the_count(ledger):
    assert ledger.load_stack("A00000100", "A00000104", "staff-7") == 5
    s1 = ledger.begin_print("C1")
    assert s1 == "A00000100" and ledger.counts().printing == 1 and ledger.counts().balanced
    ledger.finish_print(s1)
    s2 = ledger.begin_print("C2")
    ledger.void_print(s2, "misprint")
    ledger.void_remaining("A00000104", "torn")
    counts = ledger.counts()
    assert (counts.loaded, counts.printed, counts.voided, counts.remaining, counts.printing) == (5, 1, 2, 2, 0)
    assert ledger.entry(s1).case_id == "C1" and ledger.entry(s2).reason == "misprint"
    assert [report_event(e) for e in ledger.unreported()] == [
        ("certificate_printed", {"serial": s1, "case_id": "C1"}),
        ("certificate_voided", {"serial": s2, "case_id": "C2", "reason": "misprint"}),
        ("certificate_voided", {"serial": "A00000104", "case_id": None, "reason": "torn"}),
    ]
    ledger.mark_reported(s1)
    assert [e.serial for e in ledger.unreported()] == [s2, "A00000104"]


def test_stacks_are_used_in_the_order_loaded(ledger):
    ledger.load_stack("B000200", "B000201", "s")
    ledger.load_stack("A000100", "A000100", "s")
    taken = []
    for case in ("C1", "C2", "C3"):
        taken.append(ledger.begin_print(case))
        ledger.finish_print(taken[-1])
    assert taken == ["B000200", "B000201", "A000100"]
    with pytest.raises(NoBlankLoaded, match=r"no blank certificate is loaded"):
        ledger.begin_print("C4")


@pytest.mark.parametrize("first, last, problem", [
    ("A0001", "A0009", r"bad serial 'A0001'"), ("A000100", "B000101", r"same prefix and length"),
    ("A000100", "A0000100", r"same prefix and length"), ("A000105", "A000100", r"last serial is before the first"),
    ("A000000", "A009999", r"at most 2000 blanks"), ("a000100", "a000101", r"bad serial 'a000100'")])
def test_bad_stacks_are_refused_and_change_nothing(ledger, first, last, problem):
    with pytest.raises(LedgerError, match=problem):
        ledger.load_stack(first, last, "staff-7")
    assert ledger.counts().loaded == 0


def test_a_serial_can_never_be_loaded_twice(ledger):
    ledger.load_stack("A000100", "A000109", "s")
    with pytest.raises(LedgerError, match="A000105"):
        ledger.load_stack("A000105", "A000120", "s")
    assert ledger.counts().loaded == 10


def test_steps_out_of_order_are_refused(ledger):
    ledger.load_stack("A000100", "A000101", "s")
    with pytest.raises(LedgerError, match=r"serial A000100 is remaining, not printing"):
        ledger.finish_print("A000100")  # never began
    serial = ledger.begin_print("C1")
    with pytest.raises(LedgerError, match="still printing"):
        ledger.begin_print("C2")
    ledger.finish_print(serial)
    with pytest.raises(LedgerError, match=rf"serial {serial} is printed, not printing"):
        ledger.void_print(serial)  # already printed
    with pytest.raises(LedgerError, match=r"serial Z999999 is not in the ledger"):
        ledger.finish_print("Z999999")
    assert ledger.counts().balanced and ledger.counts().printed == 1


def test_serial_range():
    assert serial_range("A009998", "A010001") == ["A009998", "A009999", "A010000", "A010001"]


CHILD = textwrap.dedent("""
    import sys, time
    from kiosk.documents.ledger import BlankLedger
    ledger = BlankLedger(sys.argv[1])
    pause = float(sys.argv[2])
    for n in range(10_000):
        try:
            serial = ledger.begin_print(f"C{n}")
        except Exception:
            break
        print("B", serial, flush=True)
        time.sleep(pause)  # the printer is printing
        ledger.finish_print(serial)
        print("F", serial, flush=True)
    print("DONE", flush=True)
    time.sleep(60)
""")


def run_child(path: Path, pause: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(pause)], cwd=REPO, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def reopen_and_check(path: Path, began: set, finished: set, loaded: int):
    with BlankLedger(path) as ledger:
        counts = ledger.counts()
        assert counts.printing == 0
        assert counts.loaded == loaded == counts.printed + counts.voided + counts.remaining
        states = dict(ledger._db.execute("SELECT serial, state FROM blanks").fetchall())
        assert len(states) == loaded
        for serial in finished:
            assert states[serial] == "printed"
        for serial in began - finished:
            assert states[serial] in ("printed", "voided")  # killed between the print and the journal of it
        for serial, state in states.items():
            if serial not in began:
                # never reported as begun: still in the tray, or begun just before the kill and voided
                assert state in ("remaining", "voided")
        return ledger.interrupted, counts


def test_sigkill_mid_print_neither_loses_nor_double_counts_a_blank(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with BlankLedger(path) as ledger:
        ledger.load_stack("A000100", "A000119", "staff-7")
    child = run_child(path, pause=5.0)  # each print takes long: the kill lands mid-print
    try:
        line = child.stdout.readline().split()
        assert line[0] == "B"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        child.kill()
        child.stdout.close()
    interrupted, counts = reopen_and_check(path, {line[1]}, set(), 20)
    assert interrupted == (line[1],)
    assert (counts.printed, counts.voided, counts.remaining) == (0, 1, 19)
    with BlankLedger(path) as ledger:  # printing goes on with the next blank
        assert ledger.interrupted == ()
        assert ledger.begin_print("C-retry") == "A000101"
        assert ledger.entry("A000100").reason == "interrupted"


@pytest.mark.parametrize("seed", range(4))
def test_sigkill_at_random_moments_keeps_the_invariant(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "ledger.sqlite3"
    with BlankLedger(path) as ledger:
        ledger.load_stack("A000100", "A000399", "staff-7")
    began, finished = set(), set()
    for _ in range(2):  # crash, restart, crash again
        child = run_child(path, pause=0.0)
        try:
            for _ in range(rng.randint(1, 40)):
                parts = child.stdout.readline().split()
                if parts and parts[0] == "B":
                    began.add(parts[1])
                elif parts and parts[0] == "F":
                    finished.add(parts[1])
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            for line in child.stdout.read().splitlines():  # lines written before the kill
                parts = line.split()
                if parts and parts[0] == "B":
                    began.add(parts[1])
                elif parts and parts[0] == "F":
                    finished.add(parts[1])
        finally:
            child.kill()
            child.stdout.close()
        reopen_and_check(path, began, finished, 300)


def test_from_config_puts_the_file_in_the_data_dir_and_works_across_threads(tmp_path):
    import threading
    import time
    from config.schema import CertificatePrinterConfig, StorageConfig
    ledger = BlankLedger.from_config(CertificatePrinterConfig(enabled=True, output_dir=tmp_path / "out"),
                                     StorageConfig(data_dir=tmp_path / "data"))
    try:
        assert ledger.path == tmp_path / "data" / "certificate-ledger.sqlite3"
        ledger.load_stack("A000100", "A000199", "staff-7")
        errors = []

        def worker(n):
            try:
                for i in range(5):
                    while True:
                        try:
                            serial = ledger.begin_print(f"C{n}-{i}")
                            break
                        except LedgerError:  # another thread's blank is printing: wait for it
                            time.sleep(0.001)
                    ledger.finish_print(serial)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []
        counts = ledger.counts()
        assert (counts.printed, counts.remaining) == (20, 80) and counts.balanced
    finally:
        ledger.close()


from hypothesis import settings, strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule  # noqa: E402


class LedgerMachine(RuleBasedStateMachine):
    """Any sequence of staff and print steps, refused or not, keeps every blank counted exactly once."""

    def __init__(self):
        super().__init__()
        import tempfile
        self.dir = tempfile.TemporaryDirectory()
        self.ledger = BlankLedger(Path(self.dir.name) / "l.sqlite3")
        self.loaded = 0
        self.next_number = 100

    def teardown(self):
        self.ledger.close()
        self.dir.cleanup()

    @rule(count=st.integers(1, 5), overlap=st.booleans())
    def load(self, count, overlap):
        first = self.next_number - (1 if overlap and self.loaded else 0)
        try:
            self.loaded += self.ledger.load_stack(f"A{first:06d}", f"A{first + count - 1:06d}", "staff")
            self.next_number = first + count
        except LedgerError:
            assert overlap

    @rule(case=st.integers(0, 9))
    def begin(self, case):
        try:
            self.ledger.begin_print(f"C{case}")
        except LedgerError:
            pass

    @rule(ok=st.booleans())
    def end(self, ok):
        row = self.ledger._db.execute("SELECT serial FROM blanks WHERE state = 'printing'").fetchone()
        if row:
            (self.ledger.finish_print if ok else self.ledger.void_print)(row[0])

    @rule()
    def crash_and_reopen(self):
        self.ledger.close()
        self.ledger = BlankLedger(Path(self.dir.name) / "l.sqlite3")
        assert self.ledger.counts().printing == 0

    @invariant()
    def every_blank_counted_once(self):
        counts = self.ledger.counts()
        assert counts.loaded == self.loaded and counts.balanced and counts.printing <= 1


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
