"""Loads a TOML site profile, applies KIOSK__SECTION__KEY environment overrides and validates it."""
from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from config.errors import ConfigError
from config.schema import KioskConfig

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
PROFILES = ("hall", "bank", "locker")
ENV_PREFIX = "KIOSK__"


def profile_path(name: str) -> Path:
    """The path of a bundled site profile (hall, bank, locker)."""
    if name not in PROFILES:
        raise ConfigError(name, "", f"unknown profile; choose one of {', '.join(PROFILES)}")
    return PROFILE_DIR / f"{name}.toml"


def load_profile(name: str, env: Mapping[str, str] | None = None) -> KioskConfig:
    return load_config(profile_path(name), env)


def load_config(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> KioskConfig:
    """Read, override and validate; any problem raises ConfigError with one line naming file, key and problem."""
    path = Path(path)
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "", f"cannot read the file ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML: {exc}") from None

    env_keys = _apply_env(raw, os.environ if env is None else env, source)
    try:
        return KioskConfig.model_validate(raw)
    except ValidationError as exc:
        key, problem = _first_problem(exc)
        where = f"environment variable {env_keys[key]}" if key in env_keys else source
        more = len(exc.errors()) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ConfigError(where, key, problem) from None


def _apply_env(raw: dict[str, Any], env: Mapping[str, str], source: str) -> dict[str, str]:
    """KIOSK__GATEWAY__URL=... sets gateway.url; returns dotted key -> variable name for error messages."""
    applied: dict[str, str] = {}
    for var, value in sorted(env.items()):
        if not var.startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in var[len(ENV_PREFIX):].split("__") if p]
        if not parts:
            continue
        node = raw
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"environment variable {var}", ".".join(parts), "overrides a value that is not a table")
            node = child
        node[parts[-1]] = _env_value(value)
        applied[".".join(parts)] = var
    return applied


def _env_value(value: str) -> Any:
    # Lists and tables come as JSON; scalars stay strings and pydantic converts them to the schema's type.
    if value.startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_SECRET_KEY = re.compile(r"hash|key|pin|password|secret|token|qr", re.IGNORECASE)


def _first_problem(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
        # Our own validators say "sub.key: problem"; fold the sub-key into the location.
        head, sep, rest = msg.partition(": ")
        if sep and " " not in head:
            loc.extend(head.split("."))
            msg = rest
    if err["type"] == "extra_forbidden":
        msg = "unknown key (a typo?)"
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif "input" in err and err["type"] not in ("missing",) and not isinstance(err["input"], (dict, list)) \
            and not _SECRET_KEY.search(loc[-1] if loc else ""):  # a PIN typed where its hash belongs stays unsaid
        msg = f"{msg} (got {err['input']!r})"
    return ".".join(loc), msg
