"""The message catalog: complete in both languages, and covering every message key the core can produce."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.schema import DeviceName, Service
from kiosk.session import SERVICE_DEVICES
from catalog import i18n

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")

# Keys the core produces as literals: events with a message key, session messages and outcomes.
KEY_PATTERNS = [re.compile(p) for p in (
    r'(?:PlatformFailed|VerificationFailed|FlowFinished)\(\s*"([a-z_]+)"',
    r'message\s*=\s*"([a-z_]+)"', r'outcome\s*=\s*"([a-z_]+)"', r'reason\s*=\s*"([a-z_]+)"',
    r'_fail\("([a-z_]+)"', r'super\(\).__init__\("([a-z_]+)"', r'return "([a-z_]+)"\n',
)]
CORE_SOURCES = ["kiosk/session.py", "kiosk/runtime.py", "kiosk/platform_client.py", "kiosk/flows/*.py",
                "kiosk/identity/*.py", "kiosk/app.py"]
NOT_MESSAGES = {"cancelled"}  # internal outcome of a cancelled check: never shown


def core_keys() -> set[str]:
    keys = set()
    for pattern in CORE_SOURCES:
        for path in REPO.glob(pattern):
            text = path.read_text(encoding="utf-8")
            for regex in KEY_PATTERNS:
                keys.update(regex.findall(text))
    return keys - NOT_MESSAGES


def test_every_entry_has_both_languages_with_the_same_placeholders():
    for key, (zh, en) in i18n.CATALOG.items():
        assert zh.strip() and en.strip(), key
        assert i18n.placeholders(zh) == i18n.placeholders(en), key
        if key != "button.language":
            assert CJK.search(zh), f"{key}: the Chinese text has no Chinese in it"
            assert not CJK.search(en), f"{key}: the English text has Chinese in it"


def test_core_message_keys_are_all_in_the_catalog():
    keys = core_keys()
    assert {"card_expired", "timed_out", "ask_staff", "platform_unavailable", "device_unavailable"} <= keys | {
        "out_of_service"}, "the scan of the core found the known keys"
    missing = sorted(k for k in keys if k not in i18n.CATALOG)
    assert missing == []


def test_session_keys_states_services_devices_are_in_the_catalog():
    fixed = {"card_expired", "timed_out", "ask_staff", "platform_unavailable", "internal_error", "service_unavailable",
             "device_unavailable", "out_of_service", "service_offline", "no_match", "no_face", "liveness_failed",
             "timeout", "verification_unavailable", "finished"}
    assert fixed <= set(i18n.CATALOG)
    for service in list(Service) + list(SERVICE_DEVICES):
        assert f"service.{service}" in i18n.CATALOG
    for device in DeviceName:
        assert f"device.{device.value}" in i18n.CATALOG


def test_face_check_guidance_keys_are_in_the_catalog():
    quality = pytest.importorskip("kiosk.identity.quality")
    missing = [g.value for g in quality.Guidance if g.value not in i18n.CATALOG]
    assert missing == []


def test_case_statuses_kinds_and_next_actions_of_the_contract_are_in_the_catalog():
    for status in ("received", "under_review", "tax_assessed", "paid", "recorded", "certificate_ready",
                   "collected", "rejected"):
        assert f"status.{status}" in i18n.CATALOG
    for kind in ("mortgage", "transfer", "first_registration", "change", "cancellation"):
        assert f"kind.{kind}" in i18n.CATALOG
    casework = pytest.importorskip("gateway.casework")  # what the gateway actually sends as next_action
    for action in filter(None, [*casework.NEXT_ACTIONS.values(), *casework.KIND_NEXT_ACTIONS.values()]):
        assert f"next.{action}" in i18n.CATALOG


def test_text_formats_values_and_falls_back_for_unknown_keys(caplog):
    assert i18n.text("cases.days_left", "zh_CN", days=3) == "还剩 3 个工作日"
    assert i18n.text("cases.days_left", "en", days=3) == "3 working days left"
    assert i18n.text("no_such_key", "en") == i18n.CATALOG["generic_error"][1]
    assert "no_such_key" in caplog.text
    assert i18n.message(None, "zh_CN") == ""
    assert i18n.free_or_catalog("out_of_service", "en") == i18n.CATALOG["out_of_service"][1]
    assert i18n.free_or_catalog("今天下午停电检修", "en") == "今天下午停电检修"
