"""The large on-screen keyboard in the real KioskApp under Xvfb: an address typed by touches on the keys (pinyin with
the candidates bar, digits, Latin capitals, delete), in Chinese, English and large text; keys at least 60x60 dp, no
text that overflows, screenshots kept in var/test-screenshots/<language>/keyboard_*.png."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.screens.conftest import REPO_ROOT, SCREENSHOTS

pytestmark = [pytest.mark.ui]

ADDRESS = "北京市朝阳区12号楼-B做"  # zuo + space takes the first candidate: 做


@pytest.mark.parametrize("language, large", [("zh_CN", False), ("en", False), ("zh_CN", True)])
def test_an_address_is_typed_on_the_keyboard(tmp_path, language, large):
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy")}
    run = subprocess.run([sys.executable, "-m", "tests.screens.keyboard_host", str(tmp_path), language,
                          "1" if large else "0"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [s for s in report["steps"] if "missing" in s] == []
    assert report["text"] == ADDRESS
    first = next(s for s in report["steps"] if s.get("action") == ["shot", "keyboard_candidates"])
    assert first["letters"] == "beijing" and first["candidates"][0] == "北京"
    assert report["overflows"] == []
    for key in report["keys"]:
        assert key["width_dp"] >= 60 and key["height_dp"] >= 60, key
        assert key["font"] >= 18
    assert report["field_font"] >= (44 * 1.25 if large else 44)
    folder = SCREENSHOTS / (language + ("-large" if large else ""))
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("keyboard_candidates", "keyboard_typed"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
        shutil.copy(tmp_path / f"{name}.png", folder / f"{name}.png")
