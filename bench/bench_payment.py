"""Time from a provider's payment notification to the kiosk seeing `paid`, against the kiosk's poll interval (floor).

    .venv/bin/python bench/bench_payment.py [--payments 8] [--poll-interval 2.0] [--channels wechat alipay]
    .venv/bin/python bench/bench_payment.py --channels aggregated-wechat aggregated-alipay   # the aggregated code

A real gateway on loopback is wired to the WeChat Pay and Alipay simulators (tests/gateway/payment_providers); a
kiosk's PlatformClient polls the order every --poll-interval seconds (the kiosk's FlowServices.poll_interval_s) as
the payment flow does. For each payment the simulator sends its signed (for WeChat, encrypted) notification at a
random moment of the poll cycle; the time until the kiosk's poll answers `paid` is measured. The kiosk cannot see a
payment sooner than its next poll, so the poll wait is the floor. The baseline, measured in the same run with the same
poll loop and the same moments of the cycle: the order is marked paid straight in the database (no provider, no
notification). The ratio notification / baseline says how much the provider path adds on top of the poll wait; the
ratio to the poll interval is printed too. Also printed: the gateway's time to take a notification (verify, decrypt,
apply, answer). `aggregated-wechat` / `aggregated-alipay`: the site's aggregated code (one QR), opened by the phone in
that app first (the gateway page, WeChat's OAuth step and JSAPI prepay, or Alipay's cashier), then paid as above.
"""
from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.models import Case, PaymentOrder, utcnow  # noqa: E402
from kiosk.platform_client import PlatformClient  # noqa: E402
from tests.gateway.payment_providers.stack import OBAMA, PaymentStack  # noqa: E402

logger = logging.getLogger(__name__)


class Env:
    """monkeypatch.setenv's stand-in outside pytest."""

    def setenv(self, key: str, value: str) -> None:
        import os

        os.environ[key] = value


def _poll_until_paid(client, token, order_id, interval) -> tuple[threading.Thread, threading.Event, list]:
    """The payment flow's wait loop on its own thread: one status call per poll interval until it answers paid."""
    seen = threading.Event()
    seen_at = [0.0]

    def kiosk_polls():
        next_poll = time.monotonic()
        while not seen.is_set():
            if client.payment_status(token, order_id).status == "paid":
                seen_at[0] = time.monotonic()
                seen.set()
                return
            next_poll += interval
            time.sleep(max(0.0, next_poll - time.monotonic()))

    poller = threading.Thread(target=kiosk_polls, daemon=True)
    poller.start()
    return poller, seen, seen_at


def _wait_seen(poller, seen, seen_at, sent, interval) -> float:
    if not seen.wait(interval * 5 + 5):
        raise SystemExit("the kiosk never saw the order paid")
    poller.join()
    return seen_at[0] - sent


def one_payment(stack, client, token, case_id, channel, interval, phase) -> tuple[float, float]:
    """The provider's notification `phase` (0..1) into the kiosk's poll cycle; returns (to paid seen, gateway take)."""
    app = channel.removeprefix("aggregated-")
    order = client.create_payment_order(token, case_id, f"bench-{time.monotonic_ns()}", channel=_ordered(channel))
    sim = stack.wechat if app == "wechat" else stack.alipay
    pay = lambda: sim.pay(order.order_id, notify=False)  # noqa: E731
    if channel == "aggregated-wechat":  # the phone opens the one code in WeChat: OAuth, JSAPI prepay, paySign
        params = sim.jsapi_params(sim.open_code(order.pay_url).text)
        pay = lambda: sim.bridge_pay(params, notify=False)  # noqa: E731
    elif channel == "aggregated-alipay":  # ... or in Alipay: the mobile-site cashier
        sim.cashier_trade(sim.open_code(order.pay_url).text)
    poller, seen, seen_at = _poll_until_paid(client, token, order.order_id, interval)
    time.sleep(phase * interval)  # the payer pays at some moment of the kiosk's poll cycle
    pay()
    body, headers, url = sim.notification(order.order_id)
    sent = time.monotonic()
    status, _ = sim.deliver(body, headers, url)
    taken = time.monotonic() - sent
    if status != 200:
        raise SystemExit(f"the gateway refused the notification ({status})")
    return _wait_seen(poller, seen, seen_at, sent, interval), taken


def one_baseline(stack, client, token, case_id, channel, interval, phase) -> float:
    """The floor: the same order and poll loop, the order marked paid straight in the database `phase` into the
    cycle; returns the time until the kiosk's poll answers paid."""
    order = client.create_payment_order(token, case_id, f"bench-base-{time.monotonic_ns()}",
                                        channel=_ordered(channel))
    poller, seen, seen_at = _poll_until_paid(client, token, order.order_id, interval)
    time.sleep(phase * interval)
    sent = time.monotonic()
    with stack.gateway.sessionmaker()() as db:
        row = db.get(PaymentOrder, order.order_id)
        row.status, row.paid_at = "paid", utcnow()
        db.commit()
    return _wait_seen(poller, seen, seen_at, sent, interval)


def _ordered(channel: str) -> str:
    """The channel the kiosk orders with: the aggregated code for aggregated-wechat / aggregated-alipay."""
    return "aggregated" if channel.startswith("aggregated-") else channel


def _payable(stack, case_id) -> None:
    """Each payment takes the demo case; give it back to `tax_assessed` for the next one."""
    with stack.gateway.sessionmaker()() as db:
        db.get(Case, case_id).status = "tax_assessed"
        db.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=8, help="payments per channel")
    parser.add_argument("--poll-interval", type=float, default=2.0, help="the kiosk's poll interval, seconds")
    parser.add_argument("--channels", nargs="+", default=["wechat", "alipay"],
                        choices=["wechat", "alipay", "aggregated-wechat", "aggregated-alipay"])
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp, PaymentStack(Path(tmp), Env(), channels=tuple(dict.fromkeys(
            _ordered(c) for c in args.channels))) as stack:
        client = PlatformClient(stack.gateway.base_url, stack.gateway.api_key("demo-hall-01"))
        token = client.issue_applicant_token(OBAMA, "card_only_demo", None)
        case_id = next(c.case_id for c in client.list_cases(token) if c.status == "tax_assessed")
        print(f"kiosk poll interval (floor): {args.poll_interval:.3f} s; {args.payments} payments per channel")
        for channel in args.channels:
            latencies, baselines, takes = [], [], []
            for _ in range(args.payments):
                phase = rng.uniform(0.1, 0.9)
                _payable(stack, case_id)
                baselines.append(one_baseline(stack, client, token, case_id, channel, args.poll_interval, phase))
                _payable(stack, case_id)
                latency, taken = one_payment(stack, client, token, case_id, channel, args.poll_interval, phase)
                latencies.append(latency)
                takes.append(taken)
            median, worst = statistics.median(latencies), max(latencies)
            base_median = statistics.median(baselines)
            ratios = [n / b for n, b in zip(latencies, baselines)]
            print(f"{channel} notification -> kiosk sees paid: median {median:.3f} s, max {worst:.3f} s")
            print(f"{'':7s} baseline (paid in the database, same poll loop and moments): median {base_median:.3f} s")
            print(f"{'':7s} ratio notification / baseline: median {statistics.median(ratios):.3f}, "
                  f"max {max(ratios):.3f}; ratio to the poll interval: median {median / args.poll_interval:.2f}, "
                  f"max {worst / args.poll_interval:.2f}")
            print(f"{'':7s} gateway takes a notification in: median {statistics.median(takes) * 1000:.1f} ms, "
                  f"max {max(takes) * 1000:.1f} ms")

if __name__ == "__main__":
    main()
