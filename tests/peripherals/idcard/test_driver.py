"""CardReader over a real pty from the simulator: events, every injected fault, reconnect, and quiet logs."""
import logging
import time

import pytest

from peripherals.idcard import (CardPlaced, CardRead, CardReader, CardReadFailed, CardRemoved, card_keys,
                                load_card_file)
from peripherals.status import DeviceStatus, StatusChanged


def online(event):
    return event.status == DeviceStatus.ONLINE


def offline(event):
    return event.status == DeviceStatus.OFFLINE


@pytest.mark.parametrize("key", card_keys())
def test_reads_every_demo_card(sim, make_reader, key):
    reader, log = make_reader(sim.path)
    reader.start()
    log.wait_for(StatusChanged, where=online)
    sim.place(key)
    read = log.wait_for(CardRead)
    assert read.card == load_card_file(key)
    assert [type(e) for e in log.events if not isinstance(e, StatusChanged)] == [CardPlaced, CardRead]


def test_placed_read_removed_and_placed_again(sim, make_reader):
    reader, log = make_reader(sim.path)
    reader.start()
    sim.place("obama")
    log.wait_for(CardRead)
    sim.lift()
    log.wait_for(CardRemoved)
    sim.place("rose_leslie")
    assert log.wait_for(CardRead).card.card_type == "foreign_2023"
    kinds = [type(e) for e in log.events if not isinstance(e, StatusChanged)]
    assert kinds == [CardPlaced, CardRead, CardRemoved, CardPlaced, CardRead]


def test_card_left_on_reader_is_read_once(sim, make_reader):
    reader, log = make_reader(sim.path)
    reader.start()
    sim.place("obama")
    log.wait_for(CardRead)
    finds = sim.commands_seen.count((0x20, 0x01))
    deadline = time.monotonic() + 5
    while sim.commands_seen.count((0x20, 0x01)) < finds + 4 and time.monotonic() < deadline:  # four more polls
        time.sleep(0.05)
    assert sim.commands_seen.count((0x20, 0x01)) >= finds + 4
    assert len(log.of(CardRead)) == 1 and not log.of(CardRemoved)


def test_expired_card_is_read_and_flagged(sim, make_reader):
    reader, log = make_reader(sim.path)
    reader.start()
    sim.place("lin_manuel_miranda")
    assert log.wait_for(CardRead).card.expired


@pytest.mark.parametrize("fault", [
    {"garbage": b"\x00\x13\xAA\x96\xFF" * 4},
    {"chunk": 7, "chunk_gap_s": 0.003},
    {"corrupt_replies": 2},
    {"corrupt_reads": 1},
    {"fail_reads": 2},
    {"fail_selects": 2},
])
def test_faults_recovered_within_the_retries(sim, make_reader, fault):
    for name, value in fault.items():
        setattr(sim.faults, name, value)
    reader, log = make_reader(sim.path)
    reader.start()
    sim.place("obama")
    assert log.wait_for(CardRead, timeout=8).card == load_card_file("obama")
    assert not log.of(CardReadFailed)


def test_read_that_keeps_failing_is_reported_once(sim, make_reader, caplog):
    sim.faults.fail_reads = 100
    reader, log = make_reader(sim.path, read_attempts=3)
    reader.start()
    sim.place("obama")
    failed = log.wait_for(CardReadFailed)
    assert "read failed" in failed.reason
    sim.lift()
    log.wait_for(CardRemoved)
    assert len(log.of(CardReadFailed)) == 1 and not log.of(CardRead)
    sim.faults.fail_reads = 0
    sim.place("obama")  # lifting and placing again retries
    log.wait_for(CardRead)


def test_card_lifted_mid_read(sim, make_reader):
    sim.faults.lift_mid_read = True
    reader, log = make_reader(sim.path)
    reader.start()
    sim.place("obama")
    log.wait_for(CardRemoved, timeout=8)
    assert not log.of(CardRead) and not log.of(CardReadFailed)
    sim.place("obama")
    log.wait_for(CardRead)


def test_silent_reader_goes_offline_and_comes_back(sim, make_reader, caplog):
    caplog.set_level(logging.INFO, logger="peripherals")
    reader, log = make_reader(sim.path)
    reader.start()
    log.wait_for(StatusChanged, where=online)
    sim.silent = True
    assert log.wait_for(StatusChanged, where=offline).reason == "no answer"
    sim.silent = False
    log.wait_for(StatusChanged, where=online)
    status_lines = [r for r in caplog.records if r.name == "peripherals.status"]
    assert [r.levelname for r in status_lines] == ["INFO", "WARNING", "INFO"]


def test_unplug_and_plug_back(sim, make_reader, caplog):
    caplog.set_level(logging.INFO, logger="peripherals")
    reader, log = make_reader(sim.path, reconnect_interval_s=0.05)
    reader.start()
    sim.place("obama")
    log.wait_for(CardRead)
    sim.unplug()
    assert log.wait_for(StatusChanged, where=offline).reason == "disconnected"
    log.wait_for(CardRemoved)  # the card state is unknown once the reader is gone
    # Many reconnect attempts happen while it is away; none of them logs.
    time.sleep(0.3)
    sim.plug()
    log.wait_for(StatusChanged, where=online)
    assert log.wait_for(CardRead).card.id_number == "110105196108041235"
    status_lines = [r.getMessage() for r in caplog.records if r.name == "peripherals.status"]
    assert status_lines == ["device card_reader available", "device card_reader unavailable: offline (disconnected)",
                            "device card_reader available again"]


def test_missing_port_is_offline_once(tmp_path, make_reader, caplog):
    caplog.set_level(logging.INFO, logger="peripherals")
    reader, log = make_reader(str(tmp_path / "nothing-here"), reconnect_interval_s=0.02)
    reader.start()
    event = log.wait_for(StatusChanged, where=offline)
    assert "cannot open port" in event.reason
    time.sleep(0.2)
    assert len(log.of(StatusChanged)) == 1
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1


def test_loop_url_echo_is_no_answer(make_reader):
    """On loop:// the reader hears its own command: never a reply, so the device is reported as not answering."""
    reader, log = make_reader("loop://", timeout_s=0.1)
    reader.start()
    assert log.wait_for(StatusChanged, where=offline).reason == "no answer"


def test_no_personal_data_in_logs(sim, make_reader, caplog):
    caplog.set_level(logging.DEBUG)
    sim.faults.fail_reads = 1
    reader, log = make_reader(sim.path)
    reader.start()
    for key in ("obama", "rose_leslie"):
        sim.place(key)
        log.wait_for(CardRead)
        sim.lift()
        log.wait_for(CardRemoved)
    text = caplog.text + " ".join(map(repr, log.events))
    for key in ("obama", "rose_leslie"):
        card = load_card_file(key)
        for secret in (card.name, card.name_en, card.address, card.id_number, card.birth_date.strftime("%Y%m%d")):
            if secret:
                assert secret not in text


def test_stop_is_prompt_and_idempotent(sim):
    reader = CardReader(sim.path, poll_interval_s=0.05)
    reader.start()
    reader.stop()
    reader.stop()
    assert not reader._thread


def test_reader_fault_status_is_a_hardware_error(sim, make_reader, caplog):
    caplog.set_level(logging.INFO, logger="peripherals")
    reader, log = make_reader(sim.path)
    reader.start()
    log.wait_for(StatusChanged, where=online)
    sim.faults.status = 0x60
    event = log.wait_for(StatusChanged, where=lambda e: e.status == DeviceStatus.HARDWARE_ERROR)
    assert event.reason == "status 60: self-test failed"
    sim.faults.status = None
    log.wait_for(StatusChanged, where=online)


def test_garbled_command_is_not_a_fault(sim, make_reader):
    reader, log = make_reader(sim.path)
    reader.start()
    log.wait_for(StatusChanged, where=online)
    sim.faults.status = 0x10  # "checksum error": our command was garbled on the way
    time.sleep(0.3)
    sim.faults.status = None
    sim.place("obama")
    log.wait_for(CardRead)
    assert [e.status for e in log.of(StatusChanged)] == [DeviceStatus.ONLINE]


def test_stop_from_a_listener(sim):
    reader = CardReader(sim.path, poll_interval_s=0.05)
    reader.add_listener(lambda e: reader.stop() if isinstance(e, CardRead) else None)
    reader.start()
    thread = reader._thread
    sim.place("obama")
    thread.join(5)
    assert not thread.is_alive()
