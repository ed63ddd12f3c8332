"""/metrics scraped by a real Prometheus (Debian's `prometheus` package, scripts/system-deps.sh): a real
`kiosk-gateway --demo` on loopback with a scrape token file, a Prometheus with its own config and data folder
scraping it every second with that token, and PromQL over its HTTP API for what the test did: heartbeats accepted
and refused by route, their latency histogram and rate, a kiosk's outbox depth and heartbeat age, the device alert
the gateway's own alert checker raised, and the outcomes of payment orders."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request

import httpx
import pytest

from kiosk_testkit.demo import free_port
from kiosk_testkit.processes import stop_process
from tests.gateway.conftest import OBAMA
from tests.waiting import wait_for

pytestmark = pytest.mark.slow
TOKEN = "prometheus-scrape-token-0123456789"


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    assert found, "Debian's prometheus package is missing: scripts/system-deps.sh installs it"
    return found


@pytest.fixture
def gateway(tmp_path):
    """A real `kiosk-gateway --demo` process; yields (base URL, {kiosk id: API key})."""
    token_file = tmp_path / "metrics.token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    port = free_port()
    credentials = tmp_path / "credentials.json"
    log = open(tmp_path / "gateway.log", "wb")
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "--demo", "--host", "127.0.0.1", "--port",
                                str(port), "--database", f"sqlite:///{tmp_path / 'gw.db'}",
                                "--credentials-out", str(credentials), "--metrics-token-file", str(token_file)],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                               cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url + "/v1/health"), 120, "the gateway to answer")
        keys = {c["kiosk_id"]: c["api_key"] for c in json.loads(credentials.read_text(encoding="utf-8"))}
        yield url, keys, token_file
    finally:
        stop_process(process, 10)
        log.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def prometheus(tmp_path, gateway):
    """A Prometheus scraping the gateway every second with the bearer token; yields a PromQL query function."""
    url, _keys, token_file = gateway
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(json.dumps({  # YAML is a superset of JSON
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "kiosk-gateway", "metrics_path": "/metrics", "scheme": "http",
                            "authorization": {"type": "Bearer", "credentials_file": str(token_file)},
                            "static_configs": [{"targets": [urlparse_netloc(url)]}]}]}), encoding="utf-8")
    log = open(tmp_path / "prometheus.log", "wb")
    process = subprocess.Popen([prometheus_binary(), f"--config.file={config}",
                                f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
                                f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=tmp_path)
    api = f"http://127.0.0.1:{port}/api/v1"

    def get(path: str, **params) -> dict:
        with urllib.request.urlopen(f"{api}/{path}?{urllib.parse.urlencode(params)}", timeout=10) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(promql: str) -> list[tuple[dict, float]]:
        return [(r["metric"], float(r["value"][1])) for r in get("query", query=promql)["result"]]

    def target_up():
        try:
            targets = get("targets", state="active")["activeTargets"]
        except OSError:
            return None
        return targets and targets[0]["health"] == "up" and targets[0]
    try:
        target = wait_for(target_up, 90, "Prometheus to scrape the gateway")
        assert target["labels"]["job"] == "kiosk-gateway" and target["lastError"] == ""
        yield query
    finally:
        stop_process(process, 10)
        log.close()


def urlparse_netloc(url: str) -> str:
    return urllib.parse.urlparse(url).netloc


def scalar(query, promql: str) -> float | None:
    """The one value of an instant query, None when it has no series."""
    result = query(promql)
    assert len(result) <= 1, result
    return result[0][1] if result else None


def test_a_real_prometheus_scrapes_what_the_fleet_did(gateway, prometheus):
    url, keys, _token_file = gateway
    query = prometheus
    # The scrape needs the token: without it the gateway says 401 and gives no figures.
    assert httpx.get(url + "/metrics").status_code == 401
    hall = {"Authorization": f"Bearer {keys['demo-hall-01']}"}
    bank = {"Authorization": f"Bearer {keys['demo-bank-01']}"}
    route = 'route="/v1/heartbeats",method="POST"'
    with httpx.Client(base_url=url, timeout=10) as client:
        for depth in (3, 5, 7):  # the last heartbeat's outbox depth is the one that counts
            body = {"devices": {"card_reader": "offline"}, "outbox_depth": depth, "version": "0.1.0"}
            assert client.post("/v1/heartbeats", headers=hall, json=body).status_code == 200
            if depth == 3:  # scraped once before the others, so the series has a rate (two samples apart)
                wait_for(lambda: scalar(query, f'kiosk_gateway_requests_total{{{route},status="200"}}') == 1, 60,
                         "Prometheus to hold the first heartbeat")
        assert client.post("/v1/heartbeats", headers=bank, json={"devices": {}, "outbox_depth": 0}).status_code == 200
        assert client.post("/v1/heartbeats", headers=hall, json={"outbox_depth": -1}).status_code == 422
        assert client.post("/v1/heartbeats", json={"devices": {}}).status_code == 401
        # Payments: one order cancelled by a second attempt, the second paid on the (simulated) payment page.
        token = client.post("/v1/applicant-tokens", headers=hall,
                            json={"id_number": OBAMA, "method": "card_only_demo"}).json()["token"]
        applicant = {**hall, "X-Applicant-Token": token}
        case = next(c for c in client.get("/v1/cases", headers=applicant).json()["cases"]
                    if c["status"] == "tax_assessed")
        for key in ("prom-1", "prom-2"):
            order = client.post("/v1/payment-orders", headers={**applicant, "Idempotency-Key": key},
                                json={"case_id": case["case_id"]})
            assert order.status_code == 201, order.text
        pay_url = urllib.parse.urlparse(order.json()["pay_url"])
        paid = client.post(pay_url.path, data={"t": urllib.parse.parse_qs(pay_url.query)["t"][0], "action": "pay"})
        assert 'data-status="paid"' in paid.text

    wanted = {f'kiosk_gateway_requests_total{{{route},status="200"}}': 4,
              f'kiosk_gateway_requests_total{{{route},status="422"}}': 1,
              f'kiosk_gateway_requests_total{{{route},status="401"}}': 1,
              'kiosk_gateway_heartbeats_total{outcome="accepted"}': 4,
              'kiosk_gateway_heartbeats_total{outcome="refused"}': 2,
              f'kiosk_gateway_request_seconds_count{{{route}}}': 6,
              'kiosk_gateway_outbox_depth{kiosk_id="demo-hall-01"}': 7,
              'kiosk_gateway_outbox_depth{kiosk_id="demo-bank-01"}': 0,
              'sum(kiosk_gateway_payment_orders{status="paid"})': 1,
              'sum(kiosk_gateway_payment_orders{status="cancelled"})': 1,
              # The gateway's own alert checker (every 10 s) raises it from the offline card reader.
              'kiosk_gateway_open_alerts{kind="device_failed"}': 1}

    def all_scraped():
        seen = {promql: scalar(query, promql) for promql in wanted}
        return seen == wanted or None
    try:
        wait_for(all_scraped, 120, "Prometheus to hold the figures of what the test did")
    finally:
        print({promql: scalar(query, promql) for promql in wanted})  # what it held, if it never matched
    # Request rates and latency by route, as a dashboard would chart them.
    rate = scalar(query, f'sum(rate(kiosk_gateway_requests_total{{{route}}}[1m]))')
    assert rate is not None and rate > 0
    p50 = scalar(query, 'histogram_quantile(0.5, sum by (le) '
                        f'(increase(kiosk_gateway_request_seconds_bucket{{{route}}}[1m])))')
    assert p50 is not None and 0 < p50 <= 10.0
    assert scalar(query, f'kiosk_gateway_request_seconds_bucket{{{route},le="+Inf"}}') == 6
    # Each kiosk's heartbeat age; the locker never sent one, so it has none.
    age = scalar(query, 'kiosk_gateway_heartbeat_age_seconds{kiosk_id="demo-hall-01"}')
    assert age is not None and 0 <= age < 600
    assert scalar(query, 'kiosk_gateway_heartbeat_age_seconds{kiosk_id="demo-locker-01"}') is None
    assert scalar(query, 'kiosk_gateway_kiosks{enabled="true"}') == 3
    # Routes are templates, never a raw path.
    routes = {m["route"] for m, _ in query("kiosk_gateway_requests_total")}
    assert "/v1/cases" in routes and "/v1/payment-orders" in routes
    assert not any(OBAMA in r or "BDC" in r for r in routes), routes
