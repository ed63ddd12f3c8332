"""Child process for tests/screens/test_keyboard.py: the real KioskApp under Xvfb with a ChineseKeyboard over its
attract screen; it types by real touches at the keys' centres (through the window's input path), takes screenshots
and writes what it saw as JSON. `python -m tests.screens.keyboard_host OUT_DIR LANGUAGE LARGE_TEXT(0|1)`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

UI = SimpleNamespace(width=1080, height=1920, fullscreen=False, large_text=sys.argv[3] == "1", high_contrast=False)

from screens.window import configure_kivy  # noqa: E402

configure_kivy(UI)

from kivy.base import EventLoop  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.metrics import dp  # noqa: E402

from kiosk.session import SessionView, State  # noqa: E402
from kiosk_testkit.control import _overflow, _Touch  # noqa: E402
from screens.app import KioskApp  # noqa: E402
from screens.fonts import find_font  # noqa: E402

OUT = Path(sys.argv[1])
LANGUAGE = sys.argv[2]

# what to type: ("keys", "beijing") touches each key; ("pick", "北京") touches the candidate showing that text
SCRIPT = [("keys", "beijing"), ("shot", "keyboard_candidates"), ("pick", "北京"), ("keys", "shi"), ("pick", "市"),
          ("keys", "chaoyangqu"), ("pick", "朝阳区"), ("keys", "12"), ("keys", "hao"), ("pick", "号"),
          ("keys", "lou"), ("pick", "楼"), ("keys", "-"), ("press", "mode"), ("keys", "b"), ("press", "mode"),
          ("keys", "x"), ("press", "backspace"), ("keys", "zuo"), ("press", "space"), ("keys", "3"),
          ("press", "backspace"), ("shot", "keyboard_typed")]


class Host(KioskApp):
    def on_start(self):
        super().on_start()
        from screens.keyboard import ChineseKeyboard

        self.keyboard = ChineseKeyboard(pos_hint={"x": 0, "y": 0})
        self.root.add_widget(self.keyboard)
        self.report = {"steps": [], "keys": [], "overflows": []}
        self.script = iter(SCRIPT)
        self.touch_id = 0
        Clock.schedule_interval(self.step, 0.05)

    def touch(self, widget):
        x, y = widget.to_window(*widget.center)
        self.touch_id += 1
        touch = _Touch(self.touch_id, x / Window.width, y / Window.height)
        EventLoop.post_dispatch_input("begin", touch)
        EventLoop.post_dispatch_input("end", touch)

    def key(self, key):
        return next(w for w in self.keyboard.key_widgets() if w.key == key)

    def step(self, _dt):
        kb = self.keyboard
        if Clock.frames_displayed < 5 or not kb.key_widgets() or kb.key_widgets()[-1].width < 10:
            return True  # laid out first: a touch lands where the key is drawn
        if kb.letters and not kb.candidates:
            return True  # the pinyin index is still being built
        action = next(self.script, None)
        if action is None:
            self.finish()
            return False
        kind, value = action
        if kind == "keys":
            for letter in value:
                self.touch(self.key(letter))
        elif kind == "press":
            self.touch(self.key(value))
        elif kind == "pick":
            slot = next((w for w in kb.key_widgets() if w.key.startswith("cand:") and w.text == value), None)
            if slot is None:
                self.report["steps"].append({"missing": value, "candidates": list(kb.candidates)})
            else:
                self.touch(slot)
        elif kind == "shot":
            self.shot(value)
        self.report["steps"].append({"action": [kind, value], "text": kb.text, "letters": kb.letters,
                                     "candidates": list(kb.candidates)})
        return True

    def shot(self, name):
        from kiosk_testkit.control import ControlServer

        ControlServer._screenshot(None, OUT / f"{name}.png")

    def finish(self):
        kb = self.keyboard
        for widget in kb.key_widgets():
            if widget.opacity and widget.text:
                problem = _overflow(widget, *widget.to_window(widget.x, widget.y))
                if problem:
                    self.report["overflows"].append({"text": widget.text, "problem": problem})
            self.report["keys"].append({"key": widget.key, "width_dp": widget.width / dp(1),
                                        "height_dp": widget.height / dp(1), "font": widget.font_size})
        self.report["text"] = kb.text
        self.report["field_font"] = kb.ids.field.font_size
        self.shot("keyboard_final")
        (OUT / "report.json").write_text(json.dumps(self.report, ensure_ascii=False), encoding="utf-8")
        self.stop()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    Host(UI, post=lambda _event: None, initial_view=SessionView(state=State.ATTRACT, language=LANGUAGE),
         font_path=find_font()).run()
