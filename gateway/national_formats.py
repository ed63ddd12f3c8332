"""National number formats of property registration, one parser per format: each returns the value in its canonical
form or raises FormatRefused with a one-line reason that repeats no part of the value.

- 不动产单元号 (GB/T 37346): 28 characters, shown grouped as registration systems print it.
- Certificate and proof numbers: 粤（2019）东莞不动产权第0000906号, 闽（2017）福州市不动产证明第000001号.
- E-certificate identifiers (GB/T 36904 family): 1.2.156.3005.2 + type + issuer + serial + version + an ISO 7064
  MOD 37,36 check character.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)


class FormatRefused(ValueError):
    """A value that does not have its national format; the message names the format and the rule broken."""


# --- 不动产单元号 ------------------------------------------------------------------------------------------------

# 宗地（宗海）特征码: who holds the land (G state, J collective, Z disputed) and which right (GB/T 37346 code list).
PARCEL_OWNERSHIP = frozenset("GJZ")
PARCEL_RIGHT = frozenset("ABCDEFGHSXWY")
# 定着物特征码: F building, L trees, Q other fixtures, W none (then the unit number is all zeros).
STRUCTURE = frozenset("FLQW")
_UNIT = re.compile(r"(?P<county>\d{6})(?P<district>\d{6})(?P<parcel_type>[A-Z]{2})(?P<parcel>\d{5})"
                   r"(?P<structure>[A-Z])(?P<unit>\d{8})")


@dataclass(frozen=True)
class UnitNumber:
    """A 不动产单元号 in its parts; str() is the 28 characters, grouped() the form printed on proofs."""

    county: str
    district: str
    parcel_type: str
    parcel: str
    structure: str
    unit: str

    def __str__(self) -> str:
        return f"{self.county}{self.district}{self.parcel_type}{self.parcel}{self.structure}{self.unit}"

    def grouped(self) -> str:
        return f"{self.county} {self.district} {self.parcel_type}{self.parcel} {self.structure}{self.unit}"


def parse_unit_number(value: str) -> UnitNumber:
    """Accepts the 28 characters with or without the spaces of the grouped form; letters in any case."""
    text = re.sub(r"\s", "", str(value)).upper()
    if len(text) != 28:
        raise FormatRefused(f"a 不动产单元号 has 28 characters, not {len(text)}")
    match = _UNIT.fullmatch(text)
    if match is None:
        raise FormatRefused("a 不动产单元号 is 6+6 digits, 2 letters, 5 digits, 1 letter and 8 digits")
    unit = UnitNumber(**match.groupdict())
    if unit.parcel_type[0] not in PARCEL_OWNERSHIP or unit.parcel_type[1] not in PARCEL_RIGHT:
        raise FormatRefused("the parcel type of a 不动产单元号 is not in the GB/T 37346 code list")
    if unit.structure not in STRUCTURE:
        raise FormatRefused("the structure letter of a 不动产单元号 is F, L, Q or W")
    if unit.structure == "W" and unit.unit != "00000000":
        raise FormatRefused("a 不动产单元号 without a structure (W) has the unit number 00000000")
    if unit.county.endswith("00") or unit.county[:2] == "00":
        raise FormatRefused("the first six digits of a 不动产单元号 are a county code")
    return unit


# --- certificate and proof numbers ------------------------------------------------------------------------------

PROVINCES = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
CERTIFICATE = "不动产权"
PROOF = "不动产证明"
_NUMBER = re.compile(r"(?P<province>.)[（(](?P<year>\d{4})[）)](?P<place>[\u4e00-\u9fff]{0,12}?)"
                     r"(?P<kind>不动产权|不动产证明)第(?P<serial>\d{6,7})号")


@dataclass(frozen=True)
class RegistrationNumber:
    """A 不动产权证书号 (kind 不动产权) or a 不动产登记证明号 (kind 不动产证明); str() uses full-width brackets."""

    province: str
    year: int
    place: str
    kind: str
    serial: str

    def __str__(self) -> str:
        return f"{self.province}（{self.year}）{self.place}{self.kind}第{self.serial}号"


def parse_registration_number(value: str, kind: str | None = None) -> RegistrationNumber:
    """kind: CERTIFICATE, PROOF or None for either. Brackets may be full-width or ASCII; the result is full-width."""
    text = re.sub(r"\s", "", str(value))
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise FormatRefused("a certificate or proof number reads like 粤（2019）东莞不动产权第0000906号")
    if match["province"] not in PROVINCES:
        raise FormatRefused("a certificate or proof number starts with a province's one-character name")
    year = int(match["year"])
    if not 1987 <= year <= 2100:
        raise FormatRefused("the year of a certificate or proof number is out of range")
    if kind is not None and match["kind"] != kind:
        raise FormatRefused(f"expected a {kind} number, got a {match['kind']} number")
    return RegistrationNumber(match["province"], year, match["place"], match["kind"], match["serial"])


def parse_certificate_number(value: str) -> RegistrationNumber:
    return parse_registration_number(value, CERTIFICATE)


def parse_proof_number(value: str) -> RegistrationNumber:
    return parse_registration_number(value, PROOF)


# --- e-certificate identifiers and ISO 7064 MOD 37,36 ---------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36


def mod37_36(data: str) -> str:
    """The ISO 7064 MOD 37,36 (hybrid system) check character of data (digits and capital letters)."""
    product = _M
    for char in data:
        value = ALPHABET.find(char)
        if value < 0:
            raise FormatRefused("MOD 37,36 is defined over digits and capital letters only")
        total = (product + value) % _M or _M
        product = (total * 2) % (_M + 1)
    return ALPHABET[(_M + 1 - product) % _M]


def mod37_36_valid(data_with_check: str) -> bool:
    """True when the last character is the MOD 37,36 check character of the ones before it."""
    return len(data_with_check) >= 2 and mod37_36(data_with_check[:-1]) == data_with_check[-1]


E_CERTIFICATE_ROOT = "1.2.156.3005.2"
# Our reading of the identifier's fields, each a run of capitals and digits: the licence type code (the defining
# department's 18-character unified social credit code and a 3-digit type number), the issuing office's unified
# social credit code, a serial, a 3-digit version, then the check character computed over those four joined.
_E_CERT = re.compile(r"1\.2\.156\.3005\.2\.(?P<type_code>[0-9A-Z]{18}\d{3})\.(?P<issuer>[0-9A-Z]{18})"
                     r"\.(?P<serial>[0-9A-Z]{1,32})\.(?P<version>\d{3})(?P<check>[0-9A-Z])")


@dataclass(frozen=True)
class ECertificateId:
    type_code: str
    issuer: str
    serial: str
    version: str

    @property
    def check(self) -> str:
        return mod37_36(self.type_code + self.issuer + self.serial + self.version)

    def __str__(self) -> str:
        return f"{E_CERTIFICATE_ROOT}.{self.type_code}.{self.issuer}.{self.serial}.{self.version}{self.check}"


def make_e_certificate_id(type_code: str, issuer: str, serial: str, version: int = 1) -> ECertificateId:
    ident = ECertificateId(type_code, issuer, serial, f"{version:03d}")
    return parse_e_certificate_id(str(ident))  # the same rules as for an identifier coming in


def parse_e_certificate_id(value: str) -> ECertificateId:
    text = str(value).strip().upper()
    if not text.startswith(E_CERTIFICATE_ROOT + "."):
        raise FormatRefused(f"an e-certificate identifier starts with {E_CERTIFICATE_ROOT}")
    match = _E_CERT.fullmatch(text)
    if match is None:
        raise FormatRefused("an e-certificate identifier is root.type(21).issuer(18).serial.version(3)+check")
    ident = ECertificateId(match["type_code"], match["issuer"], match["serial"], match["version"])
    if ident.check != match["check"]:
        raise FormatRefused("the check character of the e-certificate identifier is wrong")
    return ident
