"""Central configuration overlays: merged over a kiosk's site file, hashed alike on gateway and kiosk, validated."""
from __future__ import annotations

import copy
import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from config.errors import ConfigError
from config.loader import _apply_env, _first_problem
from config.schema import KioskConfig

# What the centre never sets: the kiosk's own link to it (URL, id, key, certificates), its local storage (data
# folder, key file) and the release keys it trusts. A wrong value there would cut the kiosk off or lose its data; they stay in the site file.
LOCAL_SECTIONS = ("gateway", "storage", "updates")
# Nor whether the kiosk is a demo one (demo identity, simulated payment): only its own site file may say so.
LOCAL_KEYS = (("site", "demo"), ("site", "id"))
# Sections applied to a running kiosk (kiosk.fleet.wiring.LIVE_SECTIONS); a change elsewhere waits for a restart.
RESTART_SECTIONS = ("devices", "site", "identity", "ui")
MAX_OVERLAY_BYTES = 32 * 1024


def canonical(overlay: Mapping) -> str:
    """The one text both sides hash: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(overlay, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def overlay_hash(overlay: Mapping) -> str:
    return hashlib.sha256(canonical(overlay).encode("utf-8")).hexdigest()


def merge(base: Mapping, overlay: Mapping) -> dict:
    """base with overlay's tables merged in key by key; a value (or list) in overlay replaces base's."""
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_overlay_shape(overlay: Any) -> dict:
    """A JSON object of tables, no local section, not too big; ConfigError naming the key otherwise."""
    if not isinstance(overlay, Mapping):
        raise ConfigError("central configuration", "", "must be a table of sections")
    for key, value in overlay.items():
        if key in LOCAL_SECTIONS:
            raise ConfigError("central configuration", key, "is set in the kiosk's own site file, not centrally")
        if not isinstance(value, Mapping):
            raise ConfigError("central configuration", key, "must be a table (a [section])")
    for section, key in LOCAL_KEYS:
        if key in overlay.get(section, {}):
            raise ConfigError("central configuration", f"{section}.{key}",
                              "is set in the kiosk's own site file, not centrally")
    if len(canonical(overlay).encode("utf-8")) > MAX_OVERLAY_BYTES:
        raise ConfigError("central configuration", "", f"larger than {MAX_OVERLAY_BYTES // 1024} KB")
    return dict(overlay)


def validate_over(base_raw: Mapping, overlay: Mapping, where: str = "central configuration") -> KioskConfig:
    """The KioskConfig of base_raw with overlay merged in; ConfigError (one line: key and problem) if invalid."""
    check_overlay_shape(overlay)
    try:
        return KioskConfig.model_validate(merge(base_raw, overlay))
    except ValidationError as exc:
        key, problem = _first_problem(exc)
        raise ConfigError(where, key, problem) from None


def changed_sections(old: Mapping, new: Mapping) -> list[str]:
    """Top-level sections whose content differs between two overlays."""
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))


def needs_restart(old: Mapping, new: Mapping) -> list[str]:
    return [key for key in changed_sections(old, new) if key in RESTART_SECTIONS]


def load_raw(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> dict:
    """A site file as the loader reads it (TOML with the KIOSK__ environment overrides), before validation."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), "", f"cannot read the file ({type(exc).__name__})") from None
    _apply_env(raw, os.environ if env is None else env, str(path))
    return raw
