"""Config loading: profiles validate, overrides apply, and every bad file gives one line naming file, key, problem."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_config, load_profile, profile_path
from config.schema import KioskConfig

GOOD = """
[site]
id = "t-01"
name = "测试大厅"
kind = "hall"
services = ["case_status"]
required_devices = ["card_reader"]

[devices.card_reader]
port = "loop://"

[gateway]
url = "https://gateway.example.invalid"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["hall", "bank", "locker"])
def test_bundled_profiles_validate(name):
    config = load_profile(name, env={})
    assert config.site.kind.value == name
    for device in config.site.required_devices:
        assert getattr(config.devices, device.value).enabled


def test_defaults_fill_what_the_file_leaves_out(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={})
    assert config.devices.card_reader.baud == 115200
    assert config.session.idle_timeout_s == 60
    assert config.ui.language == "zh_CN"
    assert config.identity.method == "face"
    assert not config.devices.locker.enabled


def test_environment_overrides_nested_keys(tmp_path):
    env = {"KIOSK__GATEWAY__URL": "https://127.0.0.1:9", "KIOSK__DEVICES__CARD_READER__BAUD": "9600",
           "KIOSK__SITE__SERVICES": '["case_status", "payment"]', "OTHER": "ignored"}
    config = load_config(write(tmp_path, GOOD), env=env)
    assert config.gateway.url == "https://127.0.0.1:9"
    assert config.devices.card_reader.baud == 9600
    assert [s.value for s in config.site.services] == ["case_status", "payment"]


@pytest.mark.parametrize("text, key, problem", [
    (GOOD.replace("[gateway]", "[gateway]\nurll = 'x'"), "gateway.urll", "unknown key"),
    (GOOD.replace("https://gateway", "http://gateway"), "gateway.url", "plain http:// gateway is only allowed when"),
    (GOOD.replace('port = "loop://"', 'port = "loop://"\nbaud = "fast"'), "devices.card_reader.baud",
     "valid integer"),
    (GOOD.replace('port = "loop://"', ''), "devices.card_reader.port", "port is required"),
    (GOOD.replace('kind = "hall"', 'kind = "airport"'), "site.kind", "'hall', 'bank' or 'locker'"),
    (GOOD.replace('id = "t-01"\n', ''), "site.id", "required key is missing"),
    (GOOD + "\n[devices.card_reader]\n", "", "not valid TOML"),
    (GOOD.replace('required_devices = ["card_reader"]', 'required_devices = ["locker"]'),
     "site.required_devices", "locker is required by this site but disabled"),
    (GOOD + '\n[identity]\nmethod = "card_only_demo"\n', "identity.method", "only allowed when site.demo"),
])
def test_bad_file_names_file_key_and_problem(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(problem)) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"config error in {path}: ")
    assert f": {key}: " in message if key else True


def test_bad_override_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match=r"session\.idle_timeout_s: Input should be a valid number") as caught:
        load_config(write(tmp_path, GOOD), env={"KIOSK__SESSION__IDLE_TIMEOUT_S": "soon"})
    assert str(caught.value).startswith("config error in environment variable KIOSK__SESSION__IDLE_TIMEOUT_S: "
                                        "session.idle_timeout_s: ")


def test_missing_file_and_unknown_profile(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", env={})
    with pytest.raises(ConfigError, match="unknown profile"):
        profile_path("airport")


def test_demo_site_may_use_card_only_identity(tmp_path):
    config = load_config(write(tmp_path, GOOD.replace('kind = "hall"', 'kind = "hall"\ndemo = true')
                               + '\n[identity]\nmethod = "card_only_demo"\n'), env={})
    assert config.identity.method == "card_only_demo"


def test_plain_http_gateway_is_refused_on_a_real_site_even_from_the_environment(tmp_path):
    with pytest.raises(ConfigError, match=r"gateway\.url: a plain http:// gateway is only allowed") as refused:
        load_config(write(tmp_path, GOOD), env={"KIOSK__GATEWAY__URL": "http://10.0.0.5:8600"})
    assert str(refused.value) == ("config error in environment variable KIOSK__GATEWAY__URL: gateway.url: a plain "
                                  "http:// gateway is only allowed when site.demo = true; use https:// (mutual TLS)")


def test_demo_site_may_use_a_plain_http_gateway(tmp_path):
    config = load_config(write(tmp_path, GOOD.replace('kind = "hall"', 'kind = "hall"\ndemo = true')
                               .replace("https://gateway", "http://gateway")), env={})
    assert config.gateway.url == "http://gateway.example.invalid"


def test_config_is_immutable(tmp_path):
    from pydantic import ValidationError

    config = load_config(write(tmp_path, GOOD), env={})
    with pytest.raises(ValidationError, match=r"SiteConfig\nid\n\s+Instance is frozen"):
        config.site.id = "other"
    assert isinstance(config, KioskConfig)


def test_cli_reports_one_line_and_no_traceback(tmp_path):
    path = write(tmp_path, GOOD.replace('port = "loop://"', 'port = "loop://"\nbaud = "fast"'))
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "config", "check", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith(f"config error in {path}: devices.card_reader.baud: ")


def test_cli_check_accepts_a_good_file(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "config", "check", str(write(tmp_path, GOOD))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ")


def test_a_pin_typed_where_its_hash_belongs_is_not_repeated_in_the_error(tmp_path):
    text = GOOD + '\n[fleet]\nstaff = [{staff_id = "s-1", card_hash = "4826", pin_hash = "4826"}]\n'
    with pytest.raises(ConfigError, match=r"fleet\.staff\.0\.(card|pin)_hash: ") as caught:
        load_config(write(tmp_path, text), env={})
    assert "4826" not in str(caught.value)
