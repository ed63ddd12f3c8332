"""长辈模式 on screen: the type sizes and colours of elderly mode, and the intents of its switch and the volume buttons."""
from __future__ import annotations

from kiosk.accessibility.session_part import ElderlyModeChanged, SpeechVolumeChanged

THEME_SIZES = ("fs_huge", "fs_title", "fs_body", "fs_small", "fs_button", "button_height")
LARGE_TEXT_SCALE = 1.25

ACCESSIBILITY_INTENTS = {
    "elderly": lambda _arg: ElderlyModeChanged(None),
    "volume": lambda arg: SpeechVolumeChanged(1 if arg == "up" else -1),
}


def theme_for(ui, elderly: bool, base_sizes: dict, normal: dict, high_contrast: dict) -> tuple[dict, dict]:
    """(sizes, colours): the site's large_text / high_contrast settings, or both at once in elderly mode."""
    large = elderly or ui.large_text
    contrast = elderly or ui.high_contrast
    scale = LARGE_TEXT_SCALE if large else 1.0
    sizes = {name: round(base_sizes[name] * scale) for name in THEME_SIZES}
    return sizes, dict(high_contrast if contrast else normal)
