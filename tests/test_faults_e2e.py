"""Faults on the whole stack (real gateway process, card reader simulator on a pty, the kiosk app on a virtual
display): the gateway stops mid-flow, the card reader is unplugged mid-read; the kiosk keeps running, tells the
applicant, and recovers by itself once the part is back."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from peripherals.idcard import IdCardSimulator
from catalog import i18n
from kiosk_testkit.demo import DemoGateway, demo_site_config
from kiosk_testkit.harness import KioskProcess
from kiosk_testkit.xvfb import VirtualDisplay

pytestmark = [pytest.mark.ui, pytest.mark.slow]

OFFLINE_BANNER = i18n.text("offline.banner", "zh_CN")


def shown(state: dict) -> str:
    return "\n".join(t["text"] for t in state["texts"])


class RestartableGateway:
    """The demo gateway; restarted on the same database and port (no reseeding: the kiosk's key stays valid)."""

    def __init__(self, workdir: Path):
        self.demo = DemoGateway(workdir)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.demo.start()

    def stop(self) -> None:
        self.demo.stop()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        gateway = str(Path(sys.executable).parent / "kiosk-gateway")
        self.process = subprocess.Popen([gateway, "--host", "127.0.0.1", "--port", str(self.demo.port),
                                         "--database", f"sqlite:///{self.demo.database}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.demo.url}/v1/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the gateway did not come back")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("faults")
    gateway = RestartableGateway(base / "gateway")
    gateway.start()
    simulator = xvfb = kiosk = None
    try:
        credentials = gateway.demo.credentials("hall")
        simulator = IdCardSimulator(link=base / "dev" / "idcard").start()
        config = demo_site_config(base / "kiosk", card_port=simulator.path, gateway_url=gateway.demo.url,
                                  kiosk_id=credentials["kiosk_id"], api_key=credentials["api_key"],
                                  extra={"storage": {"offline_probe_s": 1.0, "online_probe_s": 2.0}})
        xvfb = VirtualDisplay(1080, 1920).start()
        display = xvfb.display
        kiosk = KioskProcess(config, workdir=base / "kiosk", display=display).start()
        yield kiosk, simulator, gateway
    finally:
        if kiosk is not None:
            print(kiosk.log_text()[-3000:])
            kiosk.stop()
        if simulator is not None:
            simulator.stop()
        if xvfb is not None:
            xvfb.stop()
        gateway.stop()


def back_to_attract(kiosk, simulator) -> None:
    simulator.lift()
    time.sleep(1.0)  # the reader polls every 0.2 s
    if kiosk.client.state()["screen"] not in ("attract", "out_of_service"):
        kiosk.client.post("CancelRequested")
    kiosk.client.wait_for_screen("attract", 30)


def show_cases(kiosk, simulator, person: str, timeout_s: float = 30) -> dict:
    simulator.place(person)
    kiosk.client.wait_for_screen("menu", timeout_s)
    kiosk.client.tap(intent="service", arg="case_status")
    return kiosk.client.wait_until(lambda s: s["screen"] != "menu", timeout_s, "the case status answer")


def test_gateway_stopped_mid_flow_then_back(stack):
    kiosk, simulator, gateway = stack
    simulator.place("biden")
    kiosk.client.wait_for_screen("menu", 30)
    gateway.stop()  # the applicant is at the menu when the network goes
    kiosk.client.tap(intent="service", arg="case_status")
    state = kiosk.client.wait_until(lambda s: s["screen"] != "menu" or OFFLINE_BANNER in shown(s), 60,
                                    "the kiosk to notice the gateway is gone")
    assert kiosk.alive()
    assert "白德华" not in shown(state) and "310115194211202341" not in shown(state)
    back_to_attract(kiosk, simulator)
    kiosk.client.wait_until(lambda s: OFFLINE_BANNER in shown(s), 30, "the offline banner")

    gateway.restart()
    kiosk.client.wait_until(lambda s: OFFLINE_BANNER not in shown(s), 60, "the kiosk to find the gateway again")
    state = show_cases(kiosk, simulator, "obama")
    assert state["screen"] == "cases", shown(state)
    back_to_attract(kiosk, simulator)


def test_card_reader_unplugged_mid_read_then_back(stack):
    kiosk, simulator, _gateway = stack
    simulator.place("obama")
    simulator.unplug()  # pulled while the driver is reading the card
    # A required device is gone: the kiosk takes itself out of service (and keeps running) until it is back.
    kiosk.client.wait_until(lambda s: s["screen"] == "out_of_service", 30, "the out-of-service screen")
    assert kiosk.alive()
    simulator.lift()
    simulator.plug()
    kiosk.client.wait_until(lambda s: s["screen"] == "attract", 60, "the attract screen with the reader back")
    state = show_cases(kiosk, simulator, "obama", timeout_s=60)
    assert state["screen"] == "cases", shown(state)
    back_to_attract(kiosk, simulator)
