"""The WLT plug-in through ctypes, against a stand-in library compiled here (the vendor's is closed)."""
import shutil
import subprocess

import pytest

from peripherals.idcard.wlt import BMP_LEN, WltDecoder, WltDecoderError, load_decoder

STAND_IN = r"""
#include <string.h>
/* Same signature as the vendor's unpack(); "decodes" by tiling the input so the test can check the bytes moved. */
int unpack(char *wlt, unsigned char *bmp, int save) {
    if ((unsigned char)wlt[0] == 0xFF || save) return -1;
    memset(bmp, 0, 38862);
    bmp[0] = 'B'; bmp[1] = 'M';
    for (int i = 54; i < 38610; i++) bmp[i] = (unsigned char)wlt[(i - 54) % 1024];
    return 1;
}
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        pytest.skip("no C compiler to build the stand-in WLT library")
    folder = tmp_path_factory.mktemp("wlt")
    (folder / "wlt.c").write_text(STAND_IN)
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(folder / "libwlt.so"), str(folder / "wlt.c")],
                   check=True, capture_output=True)
    return folder / "libwlt.so"


def test_decode(library):
    wlt = bytes(range(256)) * 4
    bmp = WltDecoder(library).decode(wlt)
    assert len(bmp) == BMP_LEN and bmp[:2] == b"BM" and bmp[54:54 + 1024] == wlt


def test_decoder_refusal_is_an_error(library):
    with pytest.raises(WltDecoderError, match="returned -1"):
        WltDecoder(library).decode(b"\xFF" * 1024)


def test_wrong_size(library):
    with pytest.raises(WltDecoderError, match="1024 bytes"):
        WltDecoder(library).decode(b"\x00" * 10)


def test_missing_function(library):
    with pytest.raises(WltDecoderError, match="no function GetBmp"):
        WltDecoder(library, "GetBmp")


def test_missing_library(tmp_path):
    with pytest.raises(WltDecoderError, match="cannot be loaded"):
        WltDecoder(tmp_path / "libnothing.so")


def test_not_configured():
    assert load_decoder(None) is None
