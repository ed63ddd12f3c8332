"""Texts (zh_CN, en) of the large on-screen keyboard's command keys (screens/keyboard.py)."""
from __future__ import annotations

# key: (zh_CN, en)
KEYBOARD_MESSAGES: dict[str, tuple[str, str]] = {
    "keyboard.mode_latin": ("英文", "ABC"),
    "keyboard.mode_pinyin": ("拼音", "Pinyin"),
    "keyboard.space": ("空格", "Space"),
    "keyboard.choose_first": ("选第一个", "Pick 1st"),
    "keyboard.backspace": ("删除", "Delete"),
    "keyboard.clear": ("全部清除", "Clear all"),
}
