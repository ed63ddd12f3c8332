"""Plain-language texts (zh_CN, en) of the "other" reason typed on the keyboard at a staff-assisted check."""
from __future__ import annotations

# key: (zh_CN, en)
ASSIST_OTHER_MESSAGES: dict[str, tuple[str, str]] = {
    "assist.reason.other_type": ("其他原因（输入文字）", "Other (type the reason)"),
    "assist.other_prompt": ("请写明原因（最多{count}字，不写号码）：",
                            "Write the reason in a few words (at most {count} characters, no numbers):"),
    "assist.other_back": ("返回选择原因", "Back to the reasons"),
    "assist.other_send": ("确认原因", "Confirm the reason"),
    "reason_text_too_long": ("原因太长，请少写几个字。", "The reason is too long; please shorten it."),
}
