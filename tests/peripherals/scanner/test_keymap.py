"""Keyboard-wedge decoding from constructed evdev input events (US layout, shift, caps lock, Enter)."""
import pytest
from evdev import InputEvent, ecodes
from hypothesis import given, settings
from hypothesis import strategies as st

from peripherals.scanner.keymap import CHAR_TO_KEY, KeyWedgeDecoder, key_events_for


def events(pairs):
    """What the kernel delivers for each key: a scan-code MSC event, the key event, then a SYN report."""
    out = []
    for code, value in pairs:
        out += [InputEvent(0, 0, ecodes.EV_MSC, ecodes.MSC_SCAN, 458792),
                InputEvent(0, 0, ecodes.EV_KEY, code, value),
                InputEvent(0, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0)]
    return out


def decode(evs):
    decoder = KeyWedgeDecoder()
    return [c for c in (decoder.feed(e) for e in evs) if c is not None]


def test_pickup_code():
    code = "PK1.eyJjaWQiOiJhYmMifQ.c2ln-bmF0_dXJl"
    assert decode(events(key_events_for(code))) == [code]


def test_two_codes_and_keypad_enter():
    pairs = key_events_for("2024-0001", enter=False) + [(ecodes.KEY_KPENTER, 1), (ecodes.KEY_KPENTER, 0)]
    assert decode(events(pairs + key_events_for("AB"))) == ["2024-0001", "AB"]


def test_caps_lock_inverts_letters_only():
    pairs = [(ecodes.KEY_CAPSLOCK, 1), (ecodes.KEY_CAPSLOCK, 0)] + key_events_for("a1B", enter=True)
    assert decode(events(pairs)) == ["A1b"]


def test_key_up_and_repeat_do_not_type():
    pairs = [(ecodes.KEY_A, 1), (ecodes.KEY_A, 2), (ecodes.KEY_A, 0), (ecodes.KEY_ENTER, 1)]
    assert decode(events(pairs)) == ["a"]


def test_unknown_keys_are_dropped():
    decoder = KeyWedgeDecoder()
    codes = [decoder.feed(e) for e in events([(ecodes.KEY_F1, 1), (ecodes.KEY_X, 1), (ecodes.KEY_ENTER, 1)])]
    assert [c for c in codes if c] == ["x"] and decoder.unknown_keys == 1


def test_empty_enter_is_no_code():
    assert decode(events([(ecodes.KEY_ENTER, 1), (ecodes.KEY_ENTER, 0)])) == []


def test_chinese_cannot_be_typed():
    with pytest.raises(ValueError, match=r"a keyboard-wedge scanner cannot type this character"):
        key_events_for("产权")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=sorted(CHAR_TO_KEY), min_size=1, max_size=60))
def test_round_trip_any_typable_text(text):
    assert decode(events(key_events_for(text))) == [text]
