"""Tests for kiosk/identity/reference.py: card photo through the WLT plug-in first, the platform portrait otherwise."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from config.schema import CardReaderConfig, DevicesConfig
from kiosk.identity.reference import PortraitSource, portrait_source_from_config


@dataclass
class Card:
    id_number: str = "110105196108041235"
    photo_wlt: bytes = b"\x01" * 1024


class Platform:
    def __init__(self, portrait=b"platform-jpeg", error=None):
        self.portrait, self.error, self.asked = portrait, error, []

    def reference_portrait(self, id_number):
        self.asked.append(id_number)
        if self.error:
            raise self.error
        return self.portrait


class Unavailable(Exception):
    message_key = "platform_unavailable"


def test_decoded_card_photo_comes_first():
    platform = Platform()
    source = PortraitSource(platform, wlt_decode=lambda wlt: b"BM" + wlt[:4])
    assert source(Card()) == b"BM\x01\x01\x01\x01"
    assert platform.asked == []


def test_decoder_failure_falls_back_to_the_platform():
    def broken(wlt):
        raise RuntimeError("vendor library error")
    platform = Platform()
    assert PortraitSource(platform, wlt_decode=broken)(Card()) == b"platform-jpeg"
    assert platform.asked == ["110105196108041235"]


def test_without_decoder_or_photo_the_platform_portrait_is_used():
    assert PortraitSource(Platform())(Card()) == b"platform-jpeg"
    assert PortraitSource(Platform(), wlt_decode=lambda w: b"BM")(Card(photo_wlt=b"")) == b"platform-jpeg"


def test_no_platform_and_no_decoder_gives_none():
    assert PortraitSource(None)(Card()) is None
    assert PortraitSource(Platform(portrait=None))(Card()) is None


def test_platform_errors_keep_their_message_key():
    error = Unavailable()  # no message: the check is that this very error, with its message key, comes through
    with pytest.raises(Unavailable) as caught:
        PortraitSource(Platform(error=error))(Card())
    assert caught.value is error and caught.value.message_key == "platform_unavailable"


def test_from_config_without_a_decoder_uses_the_platform():
    @dataclass
    class Config:
        devices: DevicesConfig
    platform = Platform()
    source = portrait_source_from_config(Config(DevicesConfig()), platform)
    assert source.wlt_decode is None and source(Card()) == b"platform-jpeg"


def test_from_config_with_a_missing_library_is_a_clear_error(tmp_path):
    from peripherals.idcard import WltDecoderError

    @dataclass
    class Config:
        devices: DevicesConfig
    devices = DevicesConfig(card_reader=CardReaderConfig(port="/dev/ttyUSB0", wlt_decoder=tmp_path / "libwlt.so"))
    with pytest.raises(WltDecoderError, match=r"WLT decoder library libwlt\.so cannot be loaded"):
        portrait_source_from_config(Config(devices), Platform())
