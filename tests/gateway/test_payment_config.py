"""The payment config: secrets from owner-only files or the environment, one line for each problem, and a production
gateway that refuses the simulated provider, a missing or default secret, and has no demo pay page."""
from __future__ import annotations

import os
import secrets

import pytest
import tomli_w
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.cli import main
from gateway.db import make_engine
from gateway.payment_config import PaymentConfigError, load_payment_config, production_problems
from gateway.settings import GatewaySettings
from tests.gateway.payment_providers.base import new_rsa_key, private_pem, public_pem, self_signed_cert
from tests.gateway.payment_providers.stack import merchant_keys, write_secret


@pytest.fixture
def config(tmp_path, monkeypatch):
    """A complete, valid config for both channels; returns (path, the dict, a writer for variations)."""
    wechat_key, alipay_key = merchant_keys()
    (tmp_path / "platform").mkdir()
    platform = new_rsa_key()
    from cryptography.hazmat.primitives.serialization import Encoding

    (tmp_path / "platform" / "1.pem").write_bytes(self_signed_cert(platform, "p", 1).public_bytes(Encoding.PEM))
    write_secret(tmp_path / "wechat_key.pem", private_pem(wechat_key))
    write_secret(tmp_path / "alipay_key.pem", private_pem(alipay_key))
    write_secret(tmp_path / "alipay_public.pem", public_pem(new_rsa_key()))
    monkeypatch.setenv("T_APIV3", secrets.token_hex(16))
    data = {"payment": {"channels": ["wechat", "alipay"], "region_code": "110105",
                        "wechat": {"mchid": "1900000109", "appid": "wx1", "cert_serial_no": "AB12",
                                   "private_key_file": "wechat_key.pem", "apiv3_key_env": "T_APIV3",
                                   "platform_cert_dir": "platform", "notify_url": "https://g/notifications/payments/wechat"},
                        "alipay": {"app_id": "2021", "app_private_key_file": "alipay_key.pem",
                                   "alipay_public_key_file": "alipay_public.pem",
                                   "notify_url": "https://g/notifications/payments/alipay"}}}
    path = tmp_path / "payment.toml"

    def write(mutate=None):
        import copy

        d = copy.deepcopy(data)
        if mutate:
            mutate(d["payment"])
        path.write_text(tomli_w.dumps(d))
        return path

    write()
    return path, write


def test_a_complete_config_loads_both_channels(config):
    path, _ = config
    setup = load_payment_config(path)
    assert setup.channels == ("wechat", "alipay") and set(setup.providers) == {"wechat", "alipay"}
    assert production_problems(path, demo=False) == []


@pytest.mark.parametrize("mutate, message", [
    (lambda p: p["wechat"].pop("apiv3_key_env"), r"payment\.wechat\.apiv3_key: missing"),
    (lambda p: p["wechat"].update(apiv3_key_env="T_UNSET_VARIABLE"), "T_UNSET_VARIABLE is not set"),
    (lambda p: p["wechat"].update(apiv3_key="inline-secret"), "secrets are not written in the config"),
    (lambda p: p["alipay"].update(app_private_key_file="nowhere.pem"), r"app_private_key: cannot read"),
    (lambda p: p.update(channels=["unified"]), "'unified' is the demo's simulated provider"),
    (lambda p: p.update(channels=["paypal"]), "payment.channels must list"),
    (lambda p: p.update(region_code="11"), "region_code must be 6 digits"),
    (lambda p: p["wechat"].update(platform_cert_dir="no-such-dir"), "no platform certificate"),
    (lambda p: p["alipay"].pop("app_id"), r"payment\.alipay\.app_id: missing"),
])
def test_each_problem_is_one_line(config, mutate, message):
    path, write = config
    write(mutate)
    with pytest.raises(PaymentConfigError, match=message) as raised:
        load_payment_config(path)
    assert "\n" not in str(raised.value) and "payment config" in str(raised.value)


def test_ids_may_come_from_the_environment(config, monkeypatch):
    path, write = config
    write(lambda p: (p["wechat"].pop("mchid"), p["wechat"].update(mchid_env="T_MCHID")))
    with pytest.raises(PaymentConfigError, match=r"payment\.wechat\.mchid: environment variable T_MCHID is not set"):
        load_payment_config(path)
    monkeypatch.setenv("T_MCHID", "1900000109")
    assert load_payment_config(path).providers["wechat"].config.mchid == "1900000109"


def test_a_key_file_others_can_read_is_refused(config, tmp_path):
    path, _ = config
    os.chmod(tmp_path / "wechat_key.pem", 0o644)
    with pytest.raises(PaymentConfigError, match=r"wechat_key\.pem is readable by others \(mode 0644\); chmod 600"):
        load_payment_config(path)


@pytest.mark.parametrize("secret", ["demo-payment-secret", "0" * 32])
def test_a_demo_or_default_secret_is_refused(config, monkeypatch, secret):
    path, _ = config
    monkeypatch.setenv("T_APIV3", secret)
    with pytest.raises(PaymentConfigError, match="is a demo or default secret"):
        load_payment_config(path)


def test_a_short_apiv3_key_is_refused(config, monkeypatch):
    path, _ = config
    monkeypatch.setenv("T_APIV3", "short")
    with pytest.raises(PaymentConfigError, match="must be 32 bytes"):
        load_payment_config(path)


def _production_args(tmp_path, *extra):
    for name in ("cert.pem", "key.pem", "ca.pem"):
        (tmp_path / name).write_text("x")
    write_secret(tmp_path / "audit.key", secrets.token_hex(16))
    return ["--production", "--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "key.pem"),
            "--tls-client-ca", str(tmp_path / "ca.pem"), "--audit-key-file", str(tmp_path / "audit.key"),
            "--database", f"sqlite:///{tmp_path / 'g.db'}",
            # A seal is checked after the payment config: named here, never loaded by these refusals.
            "--seal-dir", str(tmp_path / "seal"), "--seal-tsa-url", "http://127.0.0.1:9/tsa", *extra]


@pytest.mark.parametrize("with_config", [False, True], ids=["demo-only", "demo-and-payment-config"])
def test_production_refuses_to_start_with_demo(config, tmp_path, capsys, monkeypatch, with_config):
    """--demo brings the simulated provider and its free /pay page: refused with or without real providers."""
    monkeypatch.delenv("KIOSK_GATEWAY_PAYMENT_CONFIG", raising=False)
    path, _ = config
    extra = ("--demo", "--payment-config", str(path)) if with_config else ("--demo",)
    assert main(_production_args(tmp_path, *extra)) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == "kiosk-gateway: --demo cannot be combined with --production (demo kiosks and staff have " \
                   "published credentials, and the simulated payment provider has a free /pay page); give " \
                   "--payment-config with the real providers"
    assert not (tmp_path / "g.db").exists()  # nothing was started or created


def test_production_names_each_problem_on_its_own_line(config, monkeypatch):
    path, _ = config
    monkeypatch.setenv("T_APIV3", "demo-payment-secret")
    problems = production_problems(path, demo=True)
    assert len(problems) == 2 and problems[0].startswith("--production refuses --demo")
    assert "apiv3_key: is a demo or default secret" in problems[1] and all("\n" not in p for p in problems)


def test_production_without_a_payment_config_takes_no_payments(tmp_path):
    """A bank or locker site has nothing to pay: it may run in production with no provider, and no order is made."""
    assert production_problems(None, demo=False) == []
    app = create_app(GatewaySettings(simulated_payment=False, public_base_url="http://testserver",
                                     alert_check_interval_s=0), engine=make_engine(f"sqlite:///{tmp_path / 'g.db'}"))
    from gateway.db import make_sessionmaker
    from gateway.seed import demo_credentials, seed_demo

    with make_sessionmaker(app.state.engine)() as session:
        seed_demo(session)
        key = next(c["api_key"] for c in demo_credentials(session) if c["kiosk_id"] == "demo-hall-01")
    with TestClient(app) as client:
        hall = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/payment-channels", headers=hall).json() == {"channels": []}
        token = client.post("/v1/applicant-tokens", headers=hall,
                            json={"id_number": "110105196108041235", "method": "card_only_demo"}).json()["token"]
        headers = {**hall, "X-Applicant-Token": token, "Idempotency-Key": "k"}
        case_id = next(c["case_id"] for c in client.get("/v1/cases", headers=headers).json()["cases"]
                       if c["status"] == "tax_assessed")
        refused = client.post("/v1/payment-orders", headers=headers, json={"case_id": case_id})
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "payment_unavailable"


def test_production_refuses_to_start_with_a_default_secret(config, tmp_path, capsys, monkeypatch):
    path, _ = config
    monkeypatch.setenv("T_APIV3", "demo-payment-secret")
    assert main(_production_args(tmp_path, "--payment-config", str(path))) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("kiosk-gateway: payment config") and "apiv3_key: is a demo or default secret" in line


def test_production_refuses_a_missing_secret(config, tmp_path, capsys):
    path, write = config
    write(lambda p: p["alipay"].update(alipay_public_key_file="gone.pem"))
    assert main(_production_args(tmp_path, "--payment-config", str(path))) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "alipay_public_key: cannot read" in line


def test_a_gateway_without_demo_has_no_pay_page_and_no_hmac_notification(tmp_path):
    settings = GatewaySettings(simulated_payment=False, public_base_url="http://testserver", alert_check_interval_s=0)
    app = create_app(settings, engine=make_engine(f"sqlite:///{tmp_path / 'g.db'}"))
    paths = set(app.openapi()["paths"])
    assert "/pay/{order_id}" not in paths and "/notifications/payments" not in paths
    with TestClient(app) as client:
        assert client.get("/pay/PO1234?t=x").status_code == 404
        forged = client.post("/notifications/payments", content=b'{"order_id":"PO1","provider_ref":"x","outcome":"paid"}',
                             headers={"X-Signature": "0" * 64})
        assert forged.status_code in (404, 405)


def test_the_demo_gateway_keeps_its_simulated_pay_page(tmp_path):
    app = create_app(GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0),
                     engine=make_engine(f"sqlite:///{tmp_path / 'g.db'}"))
    assert "/pay/{order_id}" in set(app.openapi()["paths"])


def test_the_aggregated_code_needs_both_channels_and_the_official_account_secret(config, tmp_path):
    path, write = config
    write(lambda p: p.update(channels=["aggregated"]))
    with pytest.raises(PaymentConfigError, match=r"payment\.wechat\.app_secret: missing") as raised:
        load_payment_config(path)
    assert "\n" not in str(raised.value)
    write_secret(tmp_path / "wechat_app_secret", secrets.token_hex(16))

    def aggregated_only(p):
        p.update(channels=["aggregated"])
        p["wechat"]["app_secret_file"] = "wechat_app_secret"
        del p["alipay"]

    write(aggregated_only)
    with pytest.raises(PaymentConfigError, match=r"payment\.alipay: missing table \(the aggregated code needs both"):
        load_payment_config(path)
    write(lambda p: (p.update(channels=["aggregated"]), p["wechat"].update(app_secret_file="wechat_app_secret")))
    setup = load_payment_config(path, "https://gateway.example.gov.cn")
    assert setup.channels == ("aggregated",) and set(setup.providers) == {"aggregated"}
    aggregated = setup.providers["aggregated"]
    assert [m.channel for m in aggregated.members] == ["wechat", "alipay"]
    assert aggregated.create_order("PO1", 100, "s3cret").pay_url == "https://gateway.example.gov.cn/pay/qr/PO1?t=s3cret"
    write(lambda p: p.update(channels=["wechat", "wechat"]))
    with pytest.raises(PaymentConfigError, match="each once"):
        load_payment_config(path)


def test_production_refuses_the_aggregated_code_without_a_public_https_address(config, tmp_path):
    path, write = config
    write_secret(tmp_path / "wechat_app_secret", secrets.token_hex(16))
    write(lambda p: (p.update(channels=["aggregated"]), p["wechat"].update(app_secret_file="wechat_app_secret")))
    [problem] = production_problems(path, demo=False)
    assert "'aggregated' needs --public-url with the https address" in problem and "\n" not in problem
    assert production_problems(path, demo=False, public_url="http://10.0.0.5:8600") == [problem]
    assert production_problems(path, demo=False, public_url="https://pay.example.gov.cn") == []
