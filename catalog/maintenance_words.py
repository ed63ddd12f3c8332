"""Maintenance results and log lines in plain words: a self-test's raw detail ("test page: no_media") and a log
entry's level and source become words a technician reads at a glance; the raw text stays, marked as technical."""
from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# key: (zh_CN, en)
MAINTENANCE_MESSAGES: dict[str, tuple[str, str]] = {
    "maint.result.test_page": ("测试页：{result}", "Test page: {result}"),
    "maint.result.technical": ("技术信息：{detail}", "Technical detail: {detail}"),
    "maint.code.success": ("已打印", "printed"),
    "maint.code.canceled": ("已取消", "cancelled"),
    "maint.code.timeout": ("设备无响应", "the device did not answer"),
    "maint.code.hardware_error": ("设备故障", "device fault"),
    "maint.code.user_error": ("操作错误（请检查纸仓和盖板）", "handling error (check the paper bay and cover)"),
    "maint.code.no_media": ("缺纸", "out of paper"),
    "maint.code.invalid_data": ("数据有误", "bad data"),
    "maint.code.unsupported": ("设备不支持", "not supported by the device"),
    "maint.level.ERROR": ("错误", "Error"),
    "maint.level.CRITICAL": ("严重错误", "Critical error"),
    "maint.level.WARNING": ("警告", "Warning"),
    "maint.log_line": ("{time}  {level}（来自{source}）", "{time}  {level} (from {source})"),
}

# the logger name's part that names a device -> the device's catalog key
SOURCES = {"printer": "device.receipt_printer", "idcard": "device.card_reader", "scanner": "device.scanner",
           "camera": "device.camera", "locker": "device.locker", "document": "device.document_printer",
           "certificate": "device.certificate_printer"}

_TEST_PAGE = re.compile(r"^test page: (\w+)$")


def detail_keys(detail: str) -> tuple[str, dict] | None:
    """(catalog key, values) of a self-test detail the catalog can say in words, or None (shown as technical)."""
    found = _TEST_PAGE.match(detail or "")
    if found and f"maint.code.{found.group(1)}" in MAINTENANCE_MESSAGES:
        return "maint.result.test_page", {"code": found.group(1)}
    return None


def source_key(source: str) -> str | None:
    """The device catalog key a log entry's source (a logger name) is about, or None."""
    for part, key in SOURCES.items():
        if part in (source or "").lower():
            return key
    return None
