"""A real gateway on loopback wired to the WeChat Pay and Alipay simulators through a payment config file (keys in
owner-only files, the APIv3 key in the environment), and a kiosk's view of it over HTTP."""
from __future__ import annotations

import dataclasses
import os
import secrets
from pathlib import Path

import requests
import tomli_w

from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from tests.gateway.payment_providers.alipay_sim import AlipaySimulator
from tests.gateway.payment_providers.base import new_rsa_key, private_pem, public_pem
from tests.gateway.payment_providers.wechat_sim import WeChatPaySimulator

OBAMA = "110105196108041235"
MCHID, APPID = "1900000109", "wx8888888888888888"
ALIPAY_APP_ID, SELLER_ID = "2021000117600000", "2088621000000000"
_KEYS: dict = {}


def merchant_keys():
    """RSA keys of the merchant (WeChat) and the app (Alipay): made once per process, they are slow to make."""
    if not _KEYS:
        _KEYS["wechat"], _KEYS["alipay"] = new_rsa_key(), new_rsa_key()
    return _KEYS["wechat"], _KEYS["alipay"]


def write_secret(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
    return path


class PaymentStack:
    """with PaymentStack(tmp_path, monkeypatch) as stack: stack.gateway, stack.wechat, stack.alipay, stack.kiosk"""

    def __init__(self, directory: Path, env, *, channels=("wechat", "alipay"), settings: GatewaySettings | None = None,
                 engine=None):
        self.directory = Path(directory)
        self.channels = channels
        wechat_key, alipay_key = merchant_keys()
        self.apiv3_key = secrets.token_hex(16)  # 32 characters
        self.merchant_serial = secrets.token_hex(20).upper()
        self.app_secret = secrets.token_hex(16)  # the official account's AppSecret (the aggregated code's OAuth step)
        self.wechat = WeChatPaySimulator(mchid=MCHID, appid=APPID, merchant_public_key=wechat_key.public_key(),
                                         merchant_serial=self.merchant_serial, apiv3_key=self.apiv3_key,
                                         app_secret=self.app_secret)
        self.alipay = AlipaySimulator(app_id=ALIPAY_APP_ID, seller_id=SELLER_ID, app_public_key=alipay_key.public_key())
        base = settings or GatewaySettings(alert_check_interval_s=0)
        self.config_path = self.directory / "payment.toml"
        self.gateway = LiveGateway(self.directory, engine=engine, settings=dataclasses.replace(
            base, simulated_payment=False, payment_config=str(self.config_path), payment_watch_interval_s=0))
        env.setenv("TEST_WECHATPAY_APIV3_KEY", self.apiv3_key)
        self._write_config(wechat_key, alipay_key)

    def _write_config(self, wechat_key, alipay_key) -> None:
        d = self.directory / "secrets"
        d.mkdir(mode=0o700, exist_ok=True)
        certs = d / "wechat_platform"
        certs.mkdir(exist_ok=True)
        (certs / f"{self.wechat.platform_serial}.pem").write_text(self.wechat.platform_cert_pem())
        write_secret(d / "wechat_key.pem", private_pem(wechat_key))
        write_secret(d / "alipay_app_key.pem", private_pem(alipay_key))
        write_secret(d / "alipay_public.pem", public_pem(self.alipay.alipay_key))
        write_secret(d / "wechat_app_secret", self.app_secret)
        config = {"payment": {
            "channels": list(self.channels), "region_code": "110105",
            "wechat": {"mchid": MCHID, "appid": APPID, "cert_serial_no": self.merchant_serial,
                       "private_key_file": "secrets/wechat_key.pem", "apiv3_key_env": "TEST_WECHATPAY_APIV3_KEY",
                       "platform_cert_dir": "secrets/wechat_platform",
                       "notify_url": self.gateway.base_url + "/notifications/payments/wechat",
                       "api_base": self.wechat.base_url,
                       **({"app_secret_file": "secrets/wechat_app_secret", "oauth_base": self.wechat.base_url,
                           "sns_base": self.wechat.base_url} if "aggregated" in self.channels else {})},
            "alipay": {"app_id": ALIPAY_APP_ID, "seller_id": SELLER_ID,
                       "app_private_key_file": "secrets/alipay_app_key.pem",
                       "alipay_public_key_file": "secrets/alipay_public.pem",
                       "notify_url": self.gateway.base_url + "/notifications/payments/alipay",
                       "api_base": self.alipay.gateway_url}}}
        self.config_path.write_text(tomli_w.dumps(config), encoding="utf-8")

    def __enter__(self) -> "PaymentStack":
        self.wechat.__enter__()
        self.alipay.__enter__()
        self.gateway.start()
        self.kiosk = KioskView(self.gateway)
        return self

    def __exit__(self, *exc) -> None:
        self.gateway.stop()
        self.alipay.__exit__()
        self.wechat.__exit__()

    @property
    def app(self):
        return self.gateway.app


class KioskView:
    """What a hall kiosk does over HTTP: an applicant token, the channels, an order, polling its status."""

    def __init__(self, gateway: LiveGateway, kiosk_id: str = "demo-hall-01"):
        self.base = gateway.base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {gateway.api_key(kiosk_id)}"
        response = self.http.post(f"{self.base}/v1/applicant-tokens",
                                  json={"id_number": OBAMA, "method": "card_only_demo"})
        response.raise_for_status()
        self.http.headers["X-Applicant-Token"] = response.json()["token"]

    def payable_case(self) -> str:
        cases = self.http.get(f"{self.base}/v1/cases").json()["cases"]
        return next(c["case_id"] for c in cases if c["status"] == "tax_assessed")

    def channels(self) -> list[str]:
        return [c["channel"] for c in self.http.get(f"{self.base}/v1/payment-channels").json()["channels"]]

    def order(self, case_id: str, channel: str, key: str | None = None) -> dict:
        response = self.http.post(f"{self.base}/v1/payment-orders", json={"case_id": case_id, "channel": channel},
                                  headers={"Idempotency-Key": key or secrets.token_hex(8)})
        assert response.status_code == 201, response.text
        return response.json()

    def status(self, order_id: str) -> dict:
        return self.http.get(f"{self.base}/v1/payment-orders/{order_id}").json()
