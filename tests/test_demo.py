"""`make demo`'s script on a machine with no display: it starts everything, plays the tour, saves a screenshot of
every screen, says where they are, and leaves nothing running."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytestmark = [pytest.mark.ui, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
def processes_mentioning(path: Path) -> list[int]:
    """Processes whose command line names something under path (read from /proc, no procps needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(path) in cmdline:
                found.append(int(entry.name))
    return found


SHOTS = ["01_attract", "02_menu", "03_cases", "04_cases_en", "05_menu_again", "06_rating", "06_done", "07_attract_again"]


def test_demo_tour_without_a_display(tmp_path):
    workdir = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    result = subprocess.run([sys.executable, "scripts/demo.py", "--dir", str(workdir)], cwd=str(REPO), env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    shots = workdir / "screenshots"
    assert f"screenshots are in {shots}" in result.stdout
    assert "runs under Xvfb" in result.stdout
    for name in SHOTS:
        with Image.open(shots / f"{name}.png") as image:
            assert image.size == (1080, 1920)
    assert "共 " in result.stdout, "the tour printed the case count it saw"
    # Everything is stopped: the simulator's link is gone and no process of ours still uses the work directory.
    assert not (workdir / "dev" / "idcard").exists()
    assert processes_mentioning(workdir) == []
    log = (workdir / "kiosk.log").read_text(encoding="utf-8")
    assert "110105196108041235" not in log and "欧阳明" not in log, "no personal data in the kiosk log"


def test_demo_interactive_with_a_display(tmp_path):
    from kiosk_testkit.xvfb import VirtualDisplay

    workdir = tmp_path / "demo"
    commands = "place obama\nwait menu\nshot menu\nlift\nplace nobody\nquit\n"
    with VirtualDisplay() as display:
        env = {**os.environ, "DISPLAY": display.display}
        result = subprocess.run([sys.executable, "scripts/demo.py", "--dir", str(workdir)], cwd=str(REPO), env=env,
                                input=commands, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo persons: " in result.stdout and "place <person>" in result.stdout  # help for the unknown person
    with Image.open(workdir / "screenshots" / "menu.png") as image:
        assert image.size == (1080, 1920)
    assert not (workdir / "dev" / "idcard").exists()


def test_terminated_demo_stops_what_it_started(tmp_path):
    import signal
    import time

    from kiosk_testkit.xvfb import VirtualDisplay

    workdir = tmp_path / "demo"
    with VirtualDisplay() as display:
        env = {**os.environ, "DISPLAY": display.display}
        process = subprocess.Popen([sys.executable, "scripts/demo.py", "--dir", str(workdir), "--interactive"],
                                   cwd=str(REPO), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and "The kiosk is up" not in (line := process.stdout.readline()):
                assert line, "the demo exited early"
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            process.stdin.close()
    assert not (workdir / "dev" / "idcard").exists()
    assert processes_mentioning(workdir) == []
