"""/metrics: protected, parsed by prometheus-client's own parser; route templates, heartbeats, fleet gauges; the
counters of several uvicorn workers summed (multiprocess mode) in a real `kiosk-gateway --workers 2`."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.request
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gateway.dashboard.alerts import raise_alert
from gateway.models import utcnow
from gateway.settings import GatewaySettings
from kiosk_testkit.demo import free_port
from kiosk_testkit.processes import stop_process
from tests.gateway.dashboard.conftest import sign_in
from tests.waiting import wait_for

TOKEN = "scrape-token-0123456789abcdef"


@pytest.fixture
def settings():
    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0, metrics_token=TOKEN,
                           extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0})


def samples(text: str) -> dict:
    """{(sample name, sorted label items): value} from the exposition text, through prometheus-client's parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_the_token_an_allowed_address_or_staff(client, app):
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert "kiosk_gateway" not in response.text and response.json()["error"]["code"] == "unauthorised"
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    with TestClient(app, base_url="http://testserver") as staff:
        assert sign_in(staff, "viewer", "viewer-demo-pass").status_code == 303
        assert staff.get("/dashboard/metrics").status_code == 200
    assert client.get("/dashboard/metrics").status_code == 401
    # The path is not in the kiosk API's OpenAPI document.
    assert "/metrics" not in app.openapi()["paths"]


def test_requests_by_route_template_heartbeats_outbox_and_alerts(client, hall, db):
    before = scrape(client)
    body = {"devices": {"card_reader": "online"}, "outbox_depth": 7, "version": "0.1.0"}
    for _ in range(3):
        assert client.post("/v1/heartbeats", headers=hall, json=body).status_code == 200
    assert client.post("/v1/heartbeats", headers=hall, json={"outbox_depth": -1}).status_code == 422
    assert client.post("/v1/heartbeats", json=body).status_code == 401
    assert client.get("/v1/cases/NO-SUCH-CASE", headers=hall).status_code in (403, 404, 422)
    assert client.get("/no/such/path/110105196108041235").status_code == 404
    raise_alert(db, "demo-hall-01", "device_failed", "card_reader", "card reader offline", utcnow())
    db.commit()
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("kiosk_gateway_requests_total", route="/v1/heartbeats", method="POST", status="200") == 3
    assert delta("kiosk_gateway_requests_total", route="/v1/heartbeats", method="POST", status="422") == 1
    assert delta("kiosk_gateway_requests_total", route="/v1/heartbeats", method="POST", status="401") == 1
    assert delta("kiosk_gateway_heartbeats_total", outcome="accepted") == 3
    assert delta("kiosk_gateway_heartbeats_total", outcome="refused") == 2
    assert delta("kiosk_gateway_request_seconds_count", route="/v1/heartbeats", method="POST") == 5
    # Labels are route templates, never a raw path (a raw path may carry an ID number).
    routes = {dict(labels).get("route") for (name, labels) in after if name == "kiosk_gateway_requests_total"}
    assert "/v1/cases/{case_id}" in routes and "unmatched" in routes
    assert not any("NO-SUCH-CASE" in route or "1101051961" in route for route in routes)
    assert value(after, "kiosk_gateway_outbox_depth", kiosk_id="demo-hall-01") == 7
    assert 0 <= value(after, "kiosk_gateway_heartbeat_age_seconds", kiosk_id="demo-hall-01") < 600
    assert value(after, "kiosk_gateway_open_alerts", kind="device_failed") == 1
    assert value(after, "kiosk_gateway_kiosks", enabled="true") == 3


def test_payment_outcomes_are_counted_by_channel_and_status(client, obama):
    from tests.gateway.test_payments import _case, _order

    def by_status(found):
        totals = {}
        for (name, labels), count in found.items():
            if name == "kiosk_gateway_payment_orders":
                totals[dict(labels)["status"]] = totals.get(dict(labels)["status"], 0) + count
        return totals

    before = by_status(scrape(client))
    case = _case(client, obama, "tax_assessed")
    _order(client, obama, case["case_id"], "metrics-1")  # cancelled by the next attempt
    order = _order(client, obama, case["case_id"], "metrics-2").json()
    url = urlparse(order["pay_url"])
    done = client.post(url.path, data={"t": url.query.split("=", 1)[1], "action": "pay"})
    assert 'data-status="paid"' in done.text
    after = by_status(scrape(client))
    assert after.get("paid", 0) - before.get("paid", 0) == 1
    assert after.get("cancelled", 0) - before.get("cancelled", 0) == 1


def test_json_log_lines_are_masked(monkeypatch):
    import io

    from gateway.cli import configure_logging

    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    out = io.StringIO()
    try:
        monkeypatch.setattr(sys, "stderr", out)
        configure_logging("INFO", json_lines=True)
        logging.getLogger("gateway.test").warning("kiosk %s read card 110105196108041235", "demo-hall-01")
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
    line = json.loads(out.getvalue().strip().splitlines()[-1])
    assert line["level"] == "WARNING" and line["logger"] == "gateway.test" and "time" in line
    assert line["message"] == "kiosk demo-hall-01 read card 1101**********1235"


@pytest.mark.slow
def test_two_workers_report_their_requests_together(tmp_path):
    """A real `kiosk-gateway --workers 2`: once both workers have answered requests, a scrape of either one counts
    every request exactly once (prometheus-client's multiprocess mode)."""
    import concurrent.futures
    import re

    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    log = open(tmp_path / "gateway.log", "wb")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "--demo", "--host", "127.0.0.1", "--port",
                                str(port), "--workers", "2", "--database", f"sqlite:///{tmp_path / 'gw.db'}",
                                "--metrics-allow", "127.0.0.1", "--log-json"],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"

    def get(path):
        try:
            with urllib.request.urlopen(url + path, timeout=10) as response:
                return response.read().decode()
        except OSError:
            return None

    def writers() -> set:
        return {m.group(1) for f in metrics_dir.iterdir() if (m := re.match(r"counter_(\d+)\.db$", f.name))}
    try:
        wait_for(lambda: get("/v1/health"), 120, "the gateway to answer")
        sent = 1
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            def both_answered():
                nonlocal sent
                answers = list(pool.map(lambda _: get("/v1/health"), range(16)))
                sent += sum(answer is not None for answer in answers)
                return len(writers()) >= 2
            wait_for(both_answered, 60, "both workers to answer a request")

        def health_count(text):
            return sum(v for (name, labels), v in samples(text).items() if name == "kiosk_gateway_requests_total"
                       and dict(labels).get("route") == "/v1/health")
        # Each scrape lands on either worker; every one sees all the requests.
        wait_for(lambda: health_count(get("/metrics") or "") == sent, 30, f"a scrape counting all {sent} requests")
        for _ in range(6):
            assert health_count(get("/metrics")) == sent
        lines = (tmp_path / "gateway.log").read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    finally:
        stop_process(process, 10)
        log.close()
