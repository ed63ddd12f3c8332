"""DLE EOT status bytes: decoding, validation and the device status they map to."""
import pytest
from hypothesis import given, settings, strategies as st

from peripherals.printer.realtime import PrinterState, parse_status_bytes, status_bytes, valid_status_byte
from peripherals.status import DeviceStatus

OK = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}

CASES = [
    # (replies, expected status, reason)
    (OK, DeviceStatus.ONLINE, ""),
    ({**OK, 4: 0x1E}, DeviceStatus.MEDIA_LOW, "paper_near_end"),
    ({1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}, DeviceStatus.MEDIA_OUT, "paper_out"),
    ({1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}, DeviceStatus.HARDWARE_ERROR, "cover_open"),
    ({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}, DeviceStatus.JAMMED, "cutter_error"),
    ({1: 0x1A, 2: 0x52, 3: 0x32, 4: 0x12}, DeviceStatus.HARDWARE_ERROR, "unrecoverable_error"),
    ({1: 0x12, 2: 0x52, 3: 0x52, 4: 0x12}, DeviceStatus.BUSY, "auto_recoverable_error"),
    ({**OK, 1: 0x1A}, DeviceStatus.OFFLINE, "offline"),
]


@pytest.mark.parametrize("replies, status, reason", CASES)
def test_status_bytes_map_to_device_status(replies, status, reason):
    assert parse_status_bytes(replies).device_status() == (status, reason)


def test_media_low_still_prints_but_media_out_and_cover_open_do_not():
    assert DeviceStatus.MEDIA_LOW.usable
    assert not parse_status_bytes(CASES[2][0]).device_status()[0].usable
    assert not parse_status_bytes(CASES[3][0]).device_status()[0].usable


@pytest.mark.parametrize("value, valid", [(0x12, True), (0x7E, True), (0x00, False), (0xFF, False), (0x13, False)])
def test_fixed_bits_tell_a_status_byte_from_noise(value, valid):
    assert valid_status_byte(value) is valid


def test_a_byte_that_is_not_a_status_byte_is_refused():
    with pytest.raises(ValueError, match="reply 0xff is not a status byte"):
        parse_status_bytes({**OK, 3: 0xFF})


states = st.builds(PrinterState, offline=st.booleans(), cover_open=st.booleans(), paper_near_end=st.booleans(),
                   paper_out=st.booleans(), cutter_error=st.booleans(), unrecoverable_error=st.booleans(),
                   auto_recoverable_error=st.booleans())


@settings(deadline=None)
@given(states)
def test_what_the_simulator_answers_decodes_to_the_same_device_status(state):
    replies = status_bytes(state)
    assert all(valid_status_byte(v) for v in replies.values())
    assert parse_status_bytes(replies).device_status() == state.device_status()


@settings(deadline=None)
@given(st.lists(st.integers(0, 255), min_size=4, max_size=4))
def test_any_four_bytes_decode_or_are_refused(values):
    replies = dict(zip((1, 2, 3, 4), values))
    try:
        state = parse_status_bytes(replies)
    except ValueError:
        assert not all(valid_status_byte(v) for v in values)
    else:
        assert isinstance(state.device_status()[0], DeviceStatus)
