"""Resident ID card readers (SAM module, UART): typed cards, the wire protocol, the polling driver and a simulator."""
from peripherals.idcard.card import IdCard, check_character, is_valid_number18, validate_id_number
from peripherals.idcard.cardfile import CARDS_DIR, card_keys, load_card_file
from peripherals.idcard.driver import CardReader
from peripherals.idcard.errors import (CardDataError, ChecksumError, FrameError, IdCardError, ReaderStatusError,
                                       ReaderTimeout, ReaderUnavailable)
from peripherals.idcard.events import CardPlaced, CardRead, CardReadFailed, CardRemoved
from peripherals.idcard.simulator import IdCardSimulator
from peripherals.idcard.textblock import decode_text_block, encode_text_block
from peripherals.idcard.wlt import WltDecoder, WltDecoderError, load_decoder

__all__ = [
    "IdCard", "CardReader", "CardPlaced", "CardRead", "CardReadFailed", "CardRemoved", "IdCardSimulator",
    "load_card_file", "card_keys", "CARDS_DIR", "check_character", "is_valid_number18", "validate_id_number",
    "decode_text_block", "encode_text_block", "IdCardError", "FrameError", "ChecksumError", "CardDataError",
    "ReaderTimeout", "ReaderStatusError", "ReaderUnavailable", "WltDecoder", "WltDecoderError", "load_decoder",
]
