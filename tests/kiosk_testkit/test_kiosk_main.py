"""The UI control channel opens only through the test entry point, and only for a demo site."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config import load_config
from kiosk.app import run_kiosk
from kiosk.cli import CliError
from kiosk_testkit.demo import demo_site_config

REPO = Path(__file__).resolve().parents[2]


def test_a_site_that_is_not_a_demo_refuses_the_control_channel_before_anything_starts(tmp_path):
    demo = load_config(demo_site_config(tmp_path, card_port=None), env={})
    production_like = demo.model_copy(update={"site": demo.site.model_copy(update={"demo": False})})
    made = []
    with pytest.raises(CliError, match=r"UI control channel is for demo and test sites only"):
        run_kiosk(production_like, ui_control=made.append)
    assert made == []


def test_the_entry_point_refuses_a_production_profile_in_one_line_and_opens_no_socket(tmp_path):
    socket_path = tmp_path / "ui.sock"
    result = subprocess.run([sys.executable, "-m", "kiosk_testkit.kiosk_main", "--config",
                             str(REPO / "config" / "profiles" / "hall.toml"), "--control", str(socket_path)],
                            cwd=str(REPO), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "kiosk: the UI control channel is for demo and test sites only (site.demo = true)"]
    assert not socket_path.exists()


def test_kiosk_run_has_no_control_channel_and_the_core_reads_no_environment_switch_for_it():
    sources = [p.read_text(encoding="utf-8") for p in (REPO / "kiosk").rglob("*.py")]
    assert not any("KIOSK_UI_CONTROL" in s or "kiosk_testkit" in s.replace("kiosk_testkit.kiosk_main", "")
                   for s in sources)
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "run", "--help"], cwd=str(REPO),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "control" not in result.stdout
