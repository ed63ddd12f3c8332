"""`kiosk device print`, `kiosk device printer-status` against the pty simulator, a file, a directory and a real
CUPS queue (a private cupsd)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from peripherals.printer.simulator import ReceiptPrinterSimulator
from tests.peripherals.printer import cupsd

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def sim(tmp_path):
    simulator = ReceiptPrinterSimulator(link=tmp_path / "printer")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def cups_queue():
    """A private cupsd with one PDF-printer queue printing to a file: (server, queue, output file, PrivateCups)."""
    reason = cupsd.missing()
    if reason:
        pytest.skip(reason)
    with cupsd.PrivateCups() as cups:
        target = cups.add_queue("proofs")
        yield cups.server, "proofs", target, cups


def test_status_as_json(sim, capsys):
    sim.load_paper(10)
    assert main(["device", "printer-status", "--printer", f"serial:{sim.path}"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "media_low" and status["paper"] == "near_end" and status["cover_open"] is False


def test_print_sample_receipt(sim, capsys):
    assert main(["device", "print", "--printer", f"serial:{sim.path}", "--sample", "receipt"]) == 0
    assert sim.wait_for_receipts(1)
    assert b"\x1d(k" in sim.receipts[0]  # native QR
    assert "printed sample receipt" in capsys.readouterr().out


def test_print_test_page_with_image_qr(sim):
    assert main(["device", "print", "--printer", f"serial:{sim.path}", "--sample", "test-page", "--image-qr"]) == 0
    assert sim.wait_for_receipts(1)
    assert b"\x1dv0" in sim.receipts[0] and b"\x1d(k" not in sim.receipts[0]


def test_a_printer_that_does_not_answer_fails_with_a_clear_message(sim, capsys):
    sim.silent = True
    code = main(["device", "printer-status", "--printer", f"serial:{sim.path}", "--timeout", "0.2"])
    err = capsys.readouterr().err
    assert code == 1 and "does not answer" in err and "Traceback" not in err
    assert main(["device", "print", "--printer", f"serial:{sim.path}", "--sample", "receipt",
                 "--timeout", "0.2"]) == 1
    assert sim.printed == b""


def test_out_of_paper_refuses_to_print(sim, capsys):
    sim.run_out_of_paper()
    assert main(["device", "print", "--printer", f"serial:{sim.path}", "--sample", "receipt"]) == 1
    assert "media_out" in capsys.readouterr().err


def test_print_to_a_file_printer(tmp_path):
    target = tmp_path / "lp0"
    assert main(["device", "print", "--printer", f"file:{target}", "--sample", "receipt"]) == 0
    assert target.read_bytes().endswith(b"\x1dVB\x00")


def test_proof_sample_to_a_directory(tmp_path, capsys):
    assert main(["device", "print", "--printer", f"dir:{tmp_path}", "--sample", "proof"]) == 0
    assert (tmp_path / "sample-proof.pdf").read_bytes().startswith(b"%PDF-")
    assert main(["device", "printer-status", "--printer", f"dir:{tmp_path}"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["status"] == "online"


@pytest.mark.parametrize("argv, message", [
    (["device", "print", "--printer", "serial:/nonexistent/tty", "--sample", "receipt"], "cannot open serial"),
    (["device", "print", "--printer", "bogus", "--sample", "receipt"], "unknown printer URL"),
    (["device", "print", "--printer", "serial:/dev/null", "--sample", "proof"], "A4 document"),
    (["device", "print", "--printer", "dir:/tmp", "--sample", "receipt"], "receipt printer"),
    (["device", "printer-status", "--printer", "file:{tmp}/lp0"], "write-only"),
])
def test_bad_printers_give_one_line_and_exit_1(argv, message, capsys, tmp_path):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 1
    assert not (tmp_path / "lp0").exists()  # asking a write-only printer for status sends it nothing
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_exit_status_of_the_real_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "device", "printer-status", "--printer",
                             f"serial:{tmp_path}/missing"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.startswith("kiosk: ")


def test_sim_command_serves_a_printer_and_writes_previews(tmp_path):
    import signal
    import time
    link, previews = tmp_path / "printer", tmp_path / "previews"
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sim", "receipt-printer", "--link", str(link),
                             "--preview-dir", str(previews)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert "receipt printer simulator on" in proc.stdout.readline()
        # A simulator process that a busy machine has not scheduled yet answers late: a generous status timeout.
        assert main(["device", "print", "--printer", f"serial:{link}", "--sample", "receipt", "--timeout", "15"]) == 0
        deadline = time.monotonic() + 20
        while not list(previews.glob("*.png")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.name for p in previews.glob("*.png")] == ["receipt-0001.png"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        proc.stdout.close()
    assert not link.exists()


def test_cups_queue_status_and_proof_sample(cups_queue, capsys):
    server, queue, target, cups = cups_queue
    assert main(["device", "printer-status", "--printer", f"cups:{queue}", "--cups-server", server]) == 0
    assert json.loads(capsys.readouterr().out) == {"printer": f"cups:{queue}", "status": "online", "reason": ""}
    printed = main(["device", "print", "--printer", f"cups:{queue}", "--cups-server", server, "--sample", "proof"])
    assert printed == 0, cups.why_not_printed()
    assert f"printed sample proof on cups:{queue} ({queue}-" in capsys.readouterr().out
    cups.wait_for_jobs(queue)
    assert b"%PDF-" in target.read_bytes()
    cups.disable(queue)
    try:
        assert main(["device", "printer-status", "--printer", f"cups:{queue}", "--cups-server", server]) == 0
        assert json.loads(capsys.readouterr().out)["reason"] == "queue_disabled"
        assert main(["device", "print", "--printer", f"cups:{queue}", "--cups-server", server,
                     "--sample", "proof"]) == 1
        err = capsys.readouterr().err
        assert "proof not printed" in err and "offline" in err and len(err.strip().splitlines()) == 1
    finally:
        cups.enable(queue)


def test_status_of_the_real_command_through_the_cups_server_variable(cups_queue):
    """The real `kiosk` process, told about the server the standard CUPS way (CUPS_SERVER)."""
    server, queue, _target, _cups = cups_queue
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "device", "printer-status", "--printer",
                             f"cups:{queue}"], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "CUPS_SERVER": server})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "online"
    missing = subprocess.run([sys.executable, "-m", "kiosk.cli", "device", "printer-status", "--printer",
                              "cups:nosuchqueue"], cwd=REPO, capture_output=True, text=True, timeout=60,
                             env={**os.environ, "CUPS_SERVER": server})
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.splitlines()[-1].startswith(
        "kiosk: printer cups:nosuchqueue: the CUPS server has no such queue")


def test_no_cups_scheduler_is_one_clear_line(tmp_path, capsys):
    assert main(["device", "printer-status", "--printer", "cups:proofs", "--cups-server",
                 str(tmp_path / "cups.sock")]) == 1
    err = capsys.readouterr().err
    assert "no CUPS scheduler answers" in err and len(err.strip().splitlines()) == 1
