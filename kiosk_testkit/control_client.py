"""Client for the UI control channel (kiosk_testkit/control.py), used by the demo script, the UI tests and the bench."""
from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)


class ControlError(Exception):
    """The kiosk UI refused a command or did not reach the expected state in time."""


class ControlClient:
    def __init__(self, path: str | Path, timeout_s: float = 20.0):
        self.path = str(path)
        self.timeout_s = timeout_s

    def call(self, cmd: str, **args) -> dict:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(self.timeout_s)
            sock.connect(self.path)
            sock.sendall(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        if not data:
            raise ControlError(f"{cmd}: no answer from the kiosk UI")
        return json.loads(data)

    def checked(self, cmd: str, **args) -> dict:
        reply = self.call(cmd, **args)
        if not reply.get("ok"):
            raise ControlError(f"{cmd}: {reply.get('error', 'refused')}")
        return reply

    def state(self) -> dict:
        return self.checked("state")

    def tap(self, **target) -> dict:
        return self.checked("tap", **target)

    def screenshot(self, path: str | Path) -> dict:
        return self.checked("screenshot", path=str(Path(path).resolve()))

    def post(self, event: str, **args) -> dict:
        return self.checked("post", event=event, args=args)

    def render(self, **view) -> dict:
        return self.checked("render", view=view)

    def wait_until(self, predicate: Callable[[dict], bool], timeout_s: float = 20.0, what: str = "") -> dict:
        """Poll the UI state until predicate(state) holds; raises ControlError with the last state otherwise."""
        deadline = time.monotonic() + timeout_s
        last: dict = {}
        while time.monotonic() < deadline:
            try:
                last = self.call("state")
            except (OSError, ValueError):
                last = {}
            if last.get("ok") and predicate(last):
                return last
            time.sleep(0.1)
        raise ControlError(f"timed out waiting for {what or 'the UI'}; last screen {last.get('screen')!r}, "
                           f"texts {[t['text'] for t in last.get('texts', [])][:8]}")

    def wait_for_screen(self, screen: str, timeout_s: float = 20.0,
                        predicate: Callable[[dict], bool] | None = None) -> dict:
        def reached(state: dict) -> bool:
            return bool(state.get("ready") and state.get("settled") and state["screen"] == screen
                        and (predicate is None or predicate(state)))

        return self.wait_until(reached, timeout_s, f"the {screen} screen")

    def wait_ready(self, timeout_s: float = 30.0, alive: Callable[[], bool] | None = None) -> dict:
        """Wait for the socket and the first drawn screen; alive() lets a caller stop early if the process died."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if alive is not None and not alive():
                raise ControlError("the kiosk process exited before its UI was ready")
            if Path(self.path).exists():
                try:
                    state = self.call("state")
                    if state.get("ok") and state.get("ready") and state.get("settled"):
                        return state
                except (OSError, ValueError):
                    pass
            time.sleep(0.1)
        raise ControlError("the kiosk UI did not become ready in time")

    @staticmethod
    def visible_text(state: dict) -> str:
        return "\n".join(t["text"] for t in state.get("texts", ()))
