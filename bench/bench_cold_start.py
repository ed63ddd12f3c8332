"""Cold start of the kiosk UI to an interactive attract screen, against a bare Kivy app with one label.

Both are started as fresh processes on the same (virtual) display, alternately, several times; the time is from
process start to the first frame drawn (the kiosk's "ui ready" log line; the floor prints the same marker from the
same point). Prints medians and the ratio kiosk / floor. Aim: the kiosk under 3 s.

    .venv/bin/python bench/bench_cold_start.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk_testkit.demo import demo_site_config  # noqa: E402
from kiosk_testkit.xvfb import VirtualDisplay  # noqa: E402

FLOOR_APP = r'''
import os, sys
os.environ["KIVY_NO_ARGS"] = "1"
from kivy.config import Config
Config.set("graphics", "width", "1080"); Config.set("graphics", "height", "1920")
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label

class Floor(App):
    def build(self):
        return Label(text="Hello", font_size=64)
    def on_start(self):
        Clock.schedule_once(lambda dt: Clock.schedule_once(self.ready, 0), 0)
    def ready(self, dt):
        print("ui ready", file=sys.stderr, flush=True)
        self.stop()

Floor().run()
'''


def time_to_marker(command: list[str], env: dict, marker: str, timeout_s: float = 60.0) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=str(REPO), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = started + timeout_s
        while time.perf_counter() < deadline:
            line = process.stderr.readline()
            if not line:
                raise RuntimeError(f"{command[1:3]} exited before it was ready")
            if marker in line:
                return time.perf_counter() - started
        raise RuntimeError(f"{command[1:3]} was not ready in {timeout_s} s")
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stderr.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="kiosk UI cold start vs a bare Kivy app")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    display = None
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        display = VirtualDisplay().start()
        env["DISPLAY"] = display.display
    try:
        with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
            env.update({"KIVY_HOME": str(Path(tmp) / "kivy"), "KIVY_NO_ARGS": "1", "PYTHONUNBUFFERED": "1"})
            config = demo_site_config(Path(tmp), card_port=None)
            kiosk_cmd = [sys.executable, "-m", "kiosk.cli", "run", "--config", str(config)]
            floor_script = Path(tmp) / "floor_app.py"  # Kivy's App looks for its source file: not `-c`
            floor_script.write_text(FLOOR_APP, encoding="utf-8")
            floor_cmd = [sys.executable, str(floor_script)]
            # One warm-up of each so both read their files from the page cache, as on a kiosk after boot.
            time_to_marker(floor_cmd, env, "ui ready")
            time_to_marker(kiosk_cmd, env, "ui ready: attract screen interactive")
            kiosk, floor = [], []
            for _ in range(args.runs):
                floor.append(time_to_marker(floor_cmd, env, "ui ready"))
                kiosk.append(time_to_marker(kiosk_cmd, env, "ui ready: attract screen interactive"))
    finally:
        if display is not None:
            display.stop()
    k, f = statistics.median(kiosk), statistics.median(floor)
    print(f"cold start to an interactive attract screen ({args.runs} runs, display {env['DISPLAY']})")
    print(f"  bare Kivy app, one label (floor): median {f:.2f} s  runs {', '.join(f'{x:.2f}' for x in floor)}")
    print(f"  kiosk UI (attract screen):        median {k:.2f} s  runs {', '.join(f'{x:.2f}' for x in kiosk)}")
    print(f"  ratio kiosk / floor: {k / f:.2f}   target: kiosk < 3.0 s -> {'met' if k < 3.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
