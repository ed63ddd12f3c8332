"""Texts (zh_CN, en) of elderly mode, the volume buttons and the face step's camera picture (issue 20);
catalog/i18n.py takes them in with **ACCESSIBILITY_MESSAGES."""
from __future__ import annotations

# key: (zh_CN, en)
ACCESSIBILITY_MESSAGES: dict[str, tuple[str, str]] = {
    "access.elderly_on": ("长辈模式", "Large text"),
    "access.elderly_off": ("标准模式", "Normal text"),
    "access.louder": ("音量＋", "Louder"),
    "access.softer": ("音量－", "Softer"),
    "verify.mirror_hint": ("请看屏幕上的自己，把脸放进椭圆框内。", "Look at yourself on screen and keep your face "
                                                          "inside the oval."),
    "verify.no_camera": ("摄像头画面暂不可用，请正对屏幕上方的摄像头。",
                         "The camera picture is not available; please face the camera above the screen."),
}
