"""The payment configuration file (`--payment-config`): accepted channels, merchant ids, and where each key or
certificate is read from (a file with owner-only permissions, or an environment variable); the production checks.

    [payment]
    channels = ["wechat", "alipay"]        # what the site accepts, in the order the kiosk offers them
    region_code = "110105"                 # GB/T 2260 division of the collecting office (the 缴款码's first digits)

    [payment.wechat]
    mchid = "1900000109"
    appid = "wx8888888888888888"
    cert_serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    private_key_file = "/etc/kiosk-gateway/payment/wechat_apiclient_key.pem"
    apiv3_key_env = "WECHATPAY_APIV3_KEY"  # or apiv3_key_file
    platform_cert_dir = "/etc/kiosk-gateway/payment/wechat_platform"
    notify_url = "https://gateway.example.gov.cn/notifications/payments/wechat"

    [payment.alipay]
    app_id = "2021000000000000"
    seller_id = "2088000000000000"
    app_private_key_file = "/etc/kiosk-gateway/payment/alipay_app_key.pem"
    alipay_public_key_file = "/etc/kiosk-gateway/payment/alipay_public_key.pem"
    notify_url = "https://gateway.example.gov.cn/notifications/payments/alipay"

`channels` may also say "aggregated" (聚合码: one QR the kiosk shows, paid in WeChat or Alipay, whichever app opens it;
docs/payment.md): it needs both tables above, and in [payment.wechat] the official account's AppSecret for the
OAuth step (`app_secret_file` or `app_secret_env`).
"""
from __future__ import annotations

import logging
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from gateway.adapters.aggregated_code import AGGREGATED, AggregatedCode
from gateway.adapters.alipay_f2f import AlipayConfig, AlipayFaceToFace
from gateway.adapters.payment import CHANNELS, SimulatedUnifiedCollection
from gateway.adapters.wechat_pay import WeChatPayConfig, WeChatPayNative

logger = logging.getLogger(__name__)

DEMO_NOTIFY_SECRET = "demo-payment-secret"
# Keys that ship in this repository (demo, documentation, tests): never accepted in production.
KNOWN_DEMO_SECRETS = frozenset({DEMO_NOTIFY_SECRET, "0" * 32, "demo" * 8, "a12d3924fd499edac8a5efc0a1b2c3d4"})


class PaymentConfigError(ValueError):
    """One line naming the file, the key and the problem."""


@dataclass(frozen=True)
class PaymentSetup:
    channels: tuple[str, ...]
    region_code: str
    providers: dict = field(default_factory=dict)
    source: str = "demo"


def _secret_file(path: Path, what: str) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise PaymentConfigError(f"{what}: cannot read {path} ({type(exc).__name__})") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PaymentConfigError(f"{what}: {path} is readable by others (mode {stat.S_IMODE(info.st_mode):04o}); "
                                 f"chmod 600 it")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PaymentConfigError(f"{what}: {path} belongs to another user")
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PaymentConfigError(f"{what}: cannot read {path} ({type(exc).__name__})") from None


def _secret(section: dict, key: str, where: str, base: Path) -> str:
    """`key_file` (owner-only permissions) or `key_env` (an environment variable); never the value inline."""
    what = f"{where}.{key}"
    if key in section:
        raise PaymentConfigError(f"{what}: secrets are not written in the config; use {key}_file or {key}_env")
    if f"{key}_file" in section:
        value = _secret_file(base / Path(str(section[f"{key}_file"])).expanduser(), what)
    elif f"{key}_env" in section:
        value = os.environ.get(str(section[f"{key}_env"]), "").strip()
        if not value:
            raise PaymentConfigError(f"{what}: environment variable {section[f'{key}_env']} is not set")
    else:
        raise PaymentConfigError(f"{what}: missing ({key}_file or {key}_env)")
    if not value:
        raise PaymentConfigError(f"{what}: empty")
    if value in KNOWN_DEMO_SECRETS:
        raise PaymentConfigError(f"{what}: is a demo or default secret")
    return value


def _plain(section: dict, key: str, where: str, default=None) -> str:
    """An id or URL: written in the config, or `key_env` naming an environment variable that holds it."""
    if f"{key}_env" in section:
        value = os.environ.get(str(section[f"{key}_env"]), "").strip()
        if not value:
            raise PaymentConfigError(f"{where}.{key}: environment variable {section[f'{key}_env']} is not set")
        return value
    value = section.get(key, default)
    if value is None or str(value).strip() == "":
        raise PaymentConfigError(f"{where}.{key}: missing")
    return str(value).strip()


def _wechat(section: dict, base: Path, *, jsapi: bool = False) -> WeChatPayNative:
    where = "payment.wechat"
    apiv3 = _secret(section, "apiv3_key", where, base)
    if len(apiv3.encode()) != 32:
        raise PaymentConfigError(f"{where}.apiv3_key: must be 32 bytes (AES-256-GCM)")
    cert_dir = base / Path(_plain(section, "platform_cert_dir", where)).expanduser()
    if not any(cert_dir.glob("*.pem")):
        raise PaymentConfigError(f"{where}.platform_cert_dir: no platform certificate (*.pem) in {cert_dir}")
    config = WeChatPayConfig(mchid=_plain(section, "mchid", where), appid=_plain(section, "appid", where),
                             cert_serial_no=_plain(section, "cert_serial_no", where),
                             private_key_pem=_secret(section, "private_key", where, base), apiv3_key=apiv3,
                             platform_cert_dir=cert_dir, notify_url=_plain(section, "notify_url", where),
                             api_base=_plain(section, "api_base", where, "https://api.mch.weixin.qq.com"),
                             app_secret=_secret(section, "app_secret", where, base) if jsapi else None,
                             oauth_base=_plain(section, "oauth_base", where, "https://open.weixin.qq.com"),
                             sns_base=_plain(section, "sns_base", where, "https://api.weixin.qq.com"))
    return WeChatPayNative(config)


def _alipay(section: dict, base: Path) -> AlipayFaceToFace:
    where = "payment.alipay"
    config = AlipayConfig(app_id=_plain(section, "app_id", where),
                          app_private_key_pem=_secret(section, "app_private_key", where, base),
                          alipay_public_key_pem=_secret(section, "alipay_public_key", where, base),
                          notify_url=_plain(section, "notify_url", where),
                          seller_id=str(section["seller_id"]) if section.get("seller_id") else None,
                          api_base=_plain(section, "api_base", where, "https://openapi.alipay.com/gateway.do"))
    return AlipayFaceToFace(config)


def load_payment_config(path: Path | str, public_base_url: str = "") -> PaymentSetup:
    """Reads and checks the file; every problem is a PaymentConfigError whose message is one line."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PaymentConfigError(f"payment config {path}: cannot read it ({type(exc).__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PaymentConfigError(f"payment config {path}: not TOML ({exc})") from None
    section = data.get("payment")
    if not isinstance(section, dict):
        raise PaymentConfigError(f"payment config {path}: no [payment] table")
    channels = section.get("channels")
    if not isinstance(channels, list) or not channels or any(c not in CHANNELS + (AGGREGATED,) for c in channels) \
            or len(set(channels)) != len(channels):
        raise PaymentConfigError(f"payment config {path}: payment.channels must list some of "
                                 f"{', '.join(CHANNELS + (AGGREGATED,))}, each once")
    if "unified" in channels:
        raise PaymentConfigError(f"payment config {path}: payment.channels: 'unified' is the demo's simulated "
                                 "provider (only with --demo, without a payment config)")
    region = str(section.get("region_code", ""))
    if len(region) != 6 or not region.isdigit():
        raise PaymentConfigError(f"payment config {path}: payment.region_code must be 6 digits (GB/T 2260)")
    base = path.parent
    providers = {}
    aggregated = AGGREGATED in channels
    try:
        members = {}
        for channel in dict.fromkeys([c for c in channels if c != AGGREGATED] +
                                     (["wechat", "alipay"] if aggregated else [])):
            sub = section.get(channel)
            if not isinstance(sub, dict):
                raise PaymentConfigError(f"payment.{channel}: missing table"
                                         + (" (the aggregated code needs both wechat and alipay)" if aggregated else ""))
            members[channel] = _wechat(sub, base, jsapi=aggregated) if channel == "wechat" else _alipay(sub, base)
        for channel in channels:
            providers[channel] = AggregatedCode(public_base_url, members["wechat"], members["alipay"]) \
                if channel == AGGREGATED else members[channel]
    except PaymentConfigError as exc:
        raise PaymentConfigError(f"payment config {path}: {exc}") from None
    return PaymentSetup(channels=tuple(channels), region_code=region, providers=providers, source=str(path))


def payment_setup(settings) -> PaymentSetup:
    """What the app wires: the configured providers, or in demo mode the simulated unified-collection platform,
    or (neither) no payment at all: orders are refused with 503."""
    if settings.payment_config:
        return load_payment_config(settings.payment_config, settings.public_base_url)
    if settings.simulated_payment:
        simulated = SimulatedUnifiedCollection(settings.public_base_url, settings.payment_notify_secret)
        return PaymentSetup(channels=("unified",), region_code=settings.payment_region_code,
                            providers={"unified": simulated})
    return PaymentSetup(channels=(), region_code=settings.payment_region_code, providers={}, source="none")


def production_problems(payment_config: Path | str | None, demo: bool, public_url: str | None = None) -> list[str]:
    """Why a `--production` gateway must not start, for payment: one line each (empty: it may). `--demo` is refused
    whatever else is given (it seeds the demo kiosks and data and wires the simulated provider with its free /pay
    page); without a payment config a production gateway takes no payment at all (a bank or locker site; orders
    answer 503)."""
    problems = []
    if demo:
        problems.append("--production refuses --demo (demo kiosks and data, and the simulated payment provider "
                        "with its /pay page); give --payment-config with the real providers")
    if payment_config:
        try:
            setup = load_payment_config(payment_config)
        except PaymentConfigError as exc:
            problems.append(str(exc))
        else:
            if AGGREGATED in setup.channels and not str(public_url or "").startswith("https://"):
                # The QR code is the gateway's own page: phones must reach it, and WeChat's OAuth redirect and JSAPI
                # payment directory take only an https address.
                problems.append(f"payment config {payment_config}: payment.channels 'aggregated' needs --public-url "
                                "with the https address phones reach (the code opens the gateway's page)")
    return problems
