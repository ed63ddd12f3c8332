"""Texts (zh_CN, en) of elderly mode, the volume buttons, the face step's guidance and retries, and the idle times
shown on screen (issue 20); catalog/i18n.py takes them in with **ACCESSIBILITY_MESSAGES."""
from __future__ import annotations

# key: (zh_CN, en)
ACCESSIBILITY_MESSAGES: dict[str, tuple[str, str]] = {
    "access.elderly_on": ("长辈模式", "Large text"),
    "access.elderly_off": ("标准模式", "Normal text"),
    "access.louder": ("音量＋", "Louder"),
    "access.softer": ("音量－", "Softer"),
    "access.volume_said": ("音量已调整。", "Volume changed."),
    "access.phone_wait": ("此页面等待您用手机操作，{minutes} 分钟无操作将自动退出。",
                          "This page waits for your phone; it signs you out after {minutes} min without a touch."),
    "verify.mirror_hint": ("请看屏幕上的自己，把脸放进椭圆框内。", "Look at yourself on screen and keep your face "
                                                          "inside the oval."),
    "verify.no_camera": ("摄像头画面暂不可用，请正对屏幕上方的摄像头。",
                         "The camera picture is not available; please face the camera above the screen."),
    "verify.tries_left": ("还可以再试 {tries} 次", "{tries} tries left"),
    "verify.retry_title": ("人脸比对未通过", "Face check not passed"),
    "verify.retry_hint": ("请摘下帽子和眼镜，正对摄像头，站到光线好的地方，再试一次。",
                          "Take off your hat and glasses, face the camera, stand in good light, and try again."),
    "verify.retry": ("再试一次", "Try again"),
    "verify.pause": ("{seconds} 秒后可以再试", "You can try again in {seconds} s"),
    "e_cert.remaining": ("二维码剩余有效时间 {minutes} 分 {seconds} 秒", "The code is valid for {minutes} min "
                                                                "{seconds} s more"),
}
