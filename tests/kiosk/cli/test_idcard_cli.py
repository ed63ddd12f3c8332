"""`kiosk device idcard` and `kiosk sim idcard`, run as the real console script against the simulator's pty."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peripherals.idcard import CardRead, CardReader, IdCardSimulator, load_card_file

KIOSK = str(Path(sys.executable).with_name("kiosk"))
KEYS = ["card_type", "name", "name_en", "gender", "nation_code", "birth_date", "address", "id_number",
        "issuing_authority", "valid_from", "valid_to", "photo_wlt_bytes"]


def kiosk(*args, timeout=30):
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def sim(tmp_path):
    simulator = IdCardSimulator(link=tmp_path / "ttyIDCARD").start()
    yield simulator
    simulator.stop()


def one_line_error(result, expected):
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_masked_by_default(sim):
    sim.place("obama")
    result = kiosk("device", "idcard", "--port", sim.path, "--timeout", "10")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == KEYS
    assert data == {
        "card_type": "resident", "name": "欧**", "name_en": None, "gender": "male", "nation_code": "01",
        "birth_date": "1961-08-04", "address": "北京市朝阳区********", "id_number": "1101**********1235",
        "issuing_authority": "北京市公安局朝阳分局", "valid_from": "2016-03-01", "valid_to": "2036-03-01",
        "photo_wlt_bytes": 1024,
    }


def test_show_personal_data(sim):
    sim.place("biden")
    result = kiosk("device", "idcard", "--port", sim.path, "--timeout", "10", "--show-personal-data")
    data = json.loads(result.stdout)
    assert (data["name"], data["address"], data["id_number"]) == ("白德华", "上海市浦东新区世纪大道100号",
                                                                  "310115194211202341")
    assert data["valid_to"] is None  # 长期


def test_foreign_2017_fields_it_lacks_are_null(sim):
    sim.place("kit_harington")
    data = json.loads(kiosk("device", "idcard", "--port", sim.path, "--timeout", "10").stdout)
    assert data["card_type"] == "foreign_2017" and data["address"] is None and data["nation_code"] is None
    assert data["id_number"] == "GBR1*******6013" and data["name_en"] == "H********, K**"


def test_no_card(sim):
    one_line_error(kiosk("device", "idcard", "--port", sim.path, "--timeout", "1"),
                   "no card was placed on the reader within 1 s")


def test_silent_device(sim):
    sim.silent = True
    one_line_error(kiosk("device", "idcard", "--port", sim.path, "--timeout", "3"), "does not answer")


def test_read_keeps_failing(sim):
    sim.faults.fail_reads = 1000
    sim.place("obama")
    line = one_line_error(kiosk("device", "idcard", "--port", sim.path, "--timeout", "10"),
                          "could not be read after 3 attempts")
    assert "欧阳明" not in line and "110105196108041235" not in line


def test_missing_port(tmp_path):
    one_line_error(kiosk("device", "idcard", "--port", str(tmp_path / "ttyNONE"), "--timeout", "2"),
                   "cannot open")


def test_bad_timeout():
    one_line_error(kiosk("device", "idcard", "--port", "loop://", "--timeout", "0"), "--timeout")


@pytest.fixture
def sim_process(tmp_path):
    link = tmp_path / "ttySIM"
    process = subprocess.Popen([KIOSK, "sim", "idcard", "--card", "alex_lacamoire", "--link", str(link)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process, link
    if process.poll() is None:
        process.kill()
    process.wait(5)
    for stream in (process.stdin, process.stdout, process.stderr):
        stream.close()


def command(process, line):
    process.stdin.write(line + "\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def read_one(path):
    reader = CardReader(path, poll_interval_s=0.05, timeout_s=0.5)
    got = []
    reader.add_listener(lambda e: got.append(e.card) if isinstance(e, CardRead) else None)
    reader.start()
    try:
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        reader.stop()
    return got[0] if got else None


def test_sim_prints_path_and_takes_commands(sim_process):
    process, link = sim_process
    assert process.stdout.readline().strip() == str(link)
    assert read_one(str(link)) == load_card_file("alex_lacamoire")
    assert command(process, "place rose_leslie") == "placed foreign_2023 card rose_leslie"
    assert read_one(str(link)).card_type == "foreign_2023"
    assert command(process, "fail-reads 2") == "fail-reads 2"
    assert command(process, "place nobody").startswith("error: no card file nobody.toml")
    assert command(process, "frobnicate").startswith("error: unknown command")
    assert command(process, "lift") == "lifted"
    assert command(process, "quit") == "bye"
    assert process.wait(10) == 0


def test_sim_stops_on_sigterm(sim_process):
    process, link = sim_process
    assert process.stdout.readline().strip() == str(link)
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    assert not link.exists()


def test_sim_unknown_card(tmp_path):
    one_line_error(kiosk("sim", "idcard", "--card", "nobody", "--link", str(tmp_path / "x")), "no card file")


def test_reader_fault(sim):
    sim.faults.status = 0x66
    one_line_error(kiosk("device", "idcard", "--port", sim.path, "--timeout", "5"),
                   "reports a fault (status 66: reader not authorised)")
