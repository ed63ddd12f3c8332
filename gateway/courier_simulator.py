"""A simulated courier service (demo and tests): the courier API of gateway/adapters/courier.py on loopback, with the
courier's own scans driven from outside (POST /api/v1/waybills/<no>/scans {"status": ...}): picked_up, in_transit,
out_for_delivery, delivered or returned. `python -m gateway.courier_simulator --port 8790` runs it alone."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger(__name__)

SCANS = ("picked_up", "in_transit", "out_for_delivery", "delivered", "returned")
FINAL = ("delivered", "returned")
_WAYBILL = re.compile(r"^/api/v1/waybills/([A-Z0-9]{8,20})(/scans)?$")


class CourierSimulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.waybills: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> "CourierSimulator":
        self._thread = threading.Thread(target=self.server.serve_forever, name="courier-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def scan(self, waybill_no: str, status: str, place: str = "北京邮区中心局") -> dict:
        with self._lock:
            waybill = self.waybills[waybill_no]
            if waybill["status"] in FINAL:
                raise ValueError(f"waybill {waybill_no} is already {waybill['status']}")
            if status not in SCANS:
                raise ValueError(f"unknown scan {status!r}")
            waybill["status"] = status
            waybill["events"].append({"status": status, "at": _now(), "place": place})
            return dict(waybill)

    def _handler(self):
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # the request line has nothing personal, but stay quiet like the gateway
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> dict | None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    return json.loads(self.rfile.read(min(length, 65536)) or b"{}")
                except ValueError:
                    return None

            def do_POST(self):
                body = self._body()
                if body is None:
                    return self._send(400, {"error": "bad_json"})
                if self.path == "/api/v1/waybills":
                    receiver = body.get("receiver") or {}
                    if not all(receiver.get(k) for k in ("name", "phone", "address")):
                        return self._send(422, {"error": "receiver_incomplete"})
                    number = "EK" + "".join(secrets.choice("0123456789") for _ in range(9)) + "CN"
                    with simulator._lock:
                        simulator.waybills[number] = {"waybill_no": number, "status": "created",
                                                      "reference": body.get("reference"),
                                                      "events": [{"status": "created", "at": _now(), "place": ""}]}
                    return self._send(201, {"waybill_no": number, "status": "created"})
                match = _WAYBILL.match(self.path)
                if match and match.group(2) and match.group(1) in simulator.waybills:
                    try:
                        return self._send(200, simulator.scan(match.group(1), str(body.get("status")),
                                                              str(body.get("place") or "北京邮区中心局")))
                    except ValueError as exc:
                        return self._send(409, {"error": str(exc)})
                return self._send(404, {"error": "not_found"})

            def do_GET(self):
                match = _WAYBILL.match(self.path)
                if match and not match.group(2) and match.group(1) in simulator.waybills:
                    with simulator._lock:
                        waybill = simulator.waybills[match.group(1)]
                        return self._send(200, {k: waybill[k] for k in ("waybill_no", "status", "events")})
                return self._send(404, {"error": "not_found"})

        return Handler


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    simulator = CourierSimulator(port=args.port).start()
    print(simulator.url, flush=True)
    simulator._thread.join()


if __name__ == "__main__":
    main()
