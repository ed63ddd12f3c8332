"""Kiosk configuration: the pydantic schema, TOML site profiles and environment overrides."""
from config.errors import ConfigError
from config.loader import load_config, load_profile, profile_path, PROFILES
from config.schema import KioskConfig

__all__ = ["ConfigError", "KioskConfig", "load_config", "load_profile", "profile_path", "PROFILES"]
