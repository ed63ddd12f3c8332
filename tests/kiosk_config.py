"""A kiosk's site configuration for a test: the demo profile with overrides, loaded with no environment overrides."""
from __future__ import annotations

from pathlib import Path

from config import load_config
from kiosk_testkit.demo import demo_site_config


def write_kiosk_config(workdir: Path, *, gateway=None, kiosk_id: str = "demo-hall-01", card_port: str | None = None,
                       extra: dict | None = None, **demo_options) -> Path:
    """The site file (kiosk_testkit.demo.demo_site_config) under workdir; with a LiveGateway, pointed at it with
    kiosk_id's own API key. demo_options: profile_path, language, gateway_url, api_key."""
    if gateway is not None:
        demo_options = {"gateway_url": gateway.base_url, "api_key": gateway.api_key(kiosk_id), **demo_options}
    return demo_site_config(workdir, card_port=card_port, kiosk_id=kiosk_id, extra=extra, **demo_options)


def kiosk_config(workdir: Path, **options):
    """write_kiosk_config's file, loaded (config.load_config with env={}: the test's own values, nothing else)."""
    return load_config(write_kiosk_config(workdir, **options), env={})
