"""Builds a release wheel of this repository's kiosk packages with a chosen version (tests and the demo), and
optionally a fault, so that a test installs real code through the real installer."""
from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kiosk", "config", "peripherals", "screens", "catalog", "offline_cache", "masking", "secrethash",
            "pdfparts")
DIST = "property_kiosk"
# A release whose gateway health probe asks for a path the gateway does not have: a real bug of the new version
# that its health check ("gateway reachable") catches.
FAULTS = {"gateway_probe": ("kiosk/platform_client.py", '"/v1/health", retry=True', '"/v1/no-such-health", retry=True'),
          "crash": ("kiosk/cli/__init__.py", "", "raise SystemExit(70)  # a release that cannot start\n")}


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(out_dir: Path, version: str, fault: str | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{DIST}-{version}-py3-none-any.whl"
    files: dict[str, bytes] = {}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[str(path.relative_to(REPO_ROOT))] = path.read_bytes()
    files["kiosk/__init__.py"] = files["kiosk/__init__.py"].replace(b'__version__ = "0.1.0"',
                                                                    f'__version__ = "{version}"'.encode())
    if fault is not None:
        name, old, new = FAULTS[fault]
        text = files[name].decode()
        if old:
            assert old in text, f"fault {fault}: {old!r} not in {name}"
            text = text.replace(old, new)
        else:
            text += new
        files[name] = text.encode()
    info = f"{DIST}-{version}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: property-kiosk\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: kiosk_testkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel
