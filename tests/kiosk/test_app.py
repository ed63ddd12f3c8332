"""The kiosk process wiring, headless: config -> session, runtime, platform client, flows and the card reader,
with the real ID card simulator on a pty and the real gateway on loopback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import events as ev
from kiosk.app import build_kiosk
from kiosk.flows.case_status import CaseList
from kiosk.session import State
from kiosk_testkit.demo import DemoGateway, demo_site_config
from tests.kiosk_config import kiosk_config
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    demo = DemoGateway(tmp_path_factory.mktemp("gateway")).start()
    yield demo
    demo.stop()


@pytest.fixture
def simulator(tmp_path):
    from peripherals.idcard import IdCardSimulator

    sim = IdCardSimulator(link=tmp_path / "dev" / "idcard").start()
    yield sim
    sim.stop()


@pytest.fixture
def kiosk(tmp_path, gateway, simulator):
    credentials = gateway.credentials("hall")
    config = kiosk_config(tmp_path, card_port=simulator.path, gateway_url=gateway.url,
                          kiosk_id=credentials["kiosk_id"], api_key=credentials["api_key"])
    views = []
    core = build_kiosk(config)
    core.session.subscribe(views.append)
    core.start()
    yield core, views
    core.stop()


def test_card_read_through_the_driver_loads_that_persons_cases(kiosk, simulator):
    core, views = kiosk
    wait_for(lambda: "card_reader" not in core.session.unusable and views, what="the reader online")
    simulator.place("obama")
    view = wait_for(lambda: views and views[-1].state == State.MENU and views[-1].cases_loaded and views[-1],
                    what="the menu with cases")
    assert view.applicant_name == "欧**" and view.applicant_id == "1101**********1235"
    assert view.cases and all(case.case_id.startswith("BDC") for case in view.cases)
    assert set(view.services) <= set(core.runtime.flows), "only services with a flow in this build are offered"
    assert "case_status" in view.services
    assert "payment" not in view.services, "no receipt printer in this config: no payment"
    at_sign_in = [case.case_id for case in view.cases]

    core.runtime.post(ev.ServiceChosen("case_status"))
    view = wait_for(lambda: views[-1].state == State.FLOW and isinstance(views[-1].flow, CaseList)
                    and views[-1], what="the case list step")
    assert view.service == "case_status" and [case.case_id for case in view.cases] == at_sign_in
    core.runtime.post(ev.BackRequested())
    wait_for(lambda: views[-1].state == State.MENU, what="back at the menu")
    core.runtime.post(ev.CancelRequested())
    wait_for(lambda: views[-1].state == State.ATTRACT and not views[-1].cases, what="attract, data wiped")
    assert core.session.personal.is_empty()


def test_disabled_devices_are_reported_unusable_and_the_reader_online(kiosk):
    core, _views = kiosk
    wait_for(lambda: {"scanner", "camera", "receipt_printer", "locker"} <= core.session.unusable,
             what="disabled devices reported")
    assert "card_reader" not in core.session.unusable


def test_unplugged_reader_takes_the_kiosk_out_of_service(kiosk, simulator):
    core, views = kiosk
    wait_for(lambda: views, what="a first view")
    simulator.unplug()
    wait_for(lambda: views[-1].state == State.OUT_OF_SERVICE, what="out of service")
    assert views[-1].out_of_service_message == "device_unavailable"
    simulator.plug()
    wait_for(lambda: views[-1].state == State.ATTRACT, what="back in service")


def test_without_an_api_key_the_applicant_is_told_the_platform_is_unavailable(tmp_path, simulator):
    config = kiosk_config(tmp_path, card_port=simulator.path)
    core = build_kiosk(config)
    assert core.platform is None
    views = []
    core.session.subscribe(views.append)
    core.start()
    try:
        wait_for(lambda: views, what="a first view")
        simulator.place("biden")
        wait_for(lambda: views[-1].state == State.MENU and views[-1].message == "platform_unavailable",
                 what="the menu with the platform message")
    finally:
        core.stop()


def test_kiosk_run_headless_starts_and_stops_on_sigterm(tmp_path):
    config = demo_site_config(tmp_path, card_port=None)
    env = {**os.environ, "KIOSK_HEADLESS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config)], cwd=str(REPO),
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        lines = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "kiosk core running headless" in line or not line:
                break
        assert any("kiosk core running headless" in x for x in lines), "".join(lines)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def test_missing_font_is_a_one_line_error(tmp_path):
    config = demo_site_config(tmp_path, card_port=None, extra={"ui": {"font_path": str(tmp_path / "nope.ttf")}})
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config)], cwd=str(REPO),
                            capture_output=True, text=True, timeout=60, env={**os.environ, "KIOSK_HEADLESS": ""})
    assert result.returncode == 1
    assert "ui.font_path" in result.stderr and "Traceback" not in result.stderr


def test_no_gateway_shows_the_kiosk_offline(tmp_path):
    config = kiosk_config(tmp_path, extra={"storage": {"offline_probe_s": 0.2}})
    core = build_kiosk(config)
    views = []
    core.session.subscribe(views.append)
    core.start()
    try:
        wait_for(lambda: views and not views[-1].online, what="the offline view")
    finally:
        core.stop()


def test_face_identity_wires_the_camera_and_the_face_verifier(tmp_path):
    photo = REPO.parent / "shared" / "data" / "faces" / "obama_1.jpg"
    if not photo.exists():
        pytest.skip("the shared face photos are not beside the repository")
    core = build_kiosk(kiosk_config(tmp_path, extra={
        "identity": {"method": "face"}, "devices": {"camera": {"enabled": True, "source": str(photo)}}}))
    assert "face" in core.runtime.verifiers
    assert [d.name for d in core.devices] == ["camera"]


def test_the_runtime_keeps_case_lists_in_the_encrypted_store(kiosk):
    core, _views = kiosk
    assert core.runtime.case_cache is core.offline.store.cases


def test_a_locker_with_face_identity_decides_with_its_deposit_references_when_offline(tmp_path):
    from kiosk.identity.decision import GatewayDecision
    from kiosk.pickup.references import LockerDecision
    from peripherals.locker import KerongSimulator
    from kiosk_testkit.demo import LOCKER_PROFILE

    photo = REPO.parent / "shared" / "data" / "faces" / "obama_1.jpg"
    with KerongSimulator((0, 1)) as sim:
        core = build_kiosk(kiosk_config(tmp_path, kiosk_id="demo-locker-01", api_key="k" * 43,
                                        profile_path=LOCKER_PROFILE, extra={
                                            "identity": {"method": "face"},
                                            "devices": {"camera": {"enabled": True, "source": str(photo)},
                                                        "locker": {"enabled": True, "port": sim.path}}}))
        try:
            decider = core.runtime.verifiers["face"].decider
            assert isinstance(decider, LockerDecision) and isinstance(decider.gateway, GatewayDecision)
            assert decider.references.ledger is core.locker.ledger
        finally:
            core.locker.close()
            if core.offline is not None:
                core.offline.stop()


def test_the_application_submitter_is_wired_to_the_encrypted_store_and_the_flows(kiosk):
    from kiosk.application_submission import ApplicationSubmitter

    kiosk, _views = kiosk
    assert isinstance(kiosk.submitter, ApplicationSubmitter)
    assert kiosk.submitter.store is kiosk.offline.store.store and kiosk.submitter.client is kiosk.platform
    assert kiosk.runtime.flows["payment"].services.application_submitter is kiosk.submitter
    assert kiosk.submitter._thread is not None and kiosk.submitter._thread.is_alive()  # started with the kiosk
