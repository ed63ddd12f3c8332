"""Texts (zh_CN, en) of locker drop-offs (投递材料): the SMS an applicant gets with a drop-off code and on collection."""
from __future__ import annotations

import datetime as dt

from catalog.beijing_time import beijing

SIGNATURE = ("【不动产登记中心】", "Property Registration Centre: ")

# SMS template (as gateway.dropoff sends it): (zh_CN, en); {expires_at} is written in Beijing time by sms_text.
SMS_TEXTS: dict[str, tuple[str, str]] = {
    "dropoff_code": ("您的投递码为{digits}，请于{expires_at}前到取件柜（{locker}）选择“投递材料”，输入投递码，"
                     "将业务编号{case}的材料放入打开的格口，并关好格口门。投递码只能使用一次，请勿告知他人。",
                     "Your drop-off code is {digits}. Before {expires_at} (Beijing time), choose \"Drop off "
                     "documents\" at locker {locker}, type the code, put the documents for case {case} into the "
                     "compartment that opens and shut its door. The code works once; do not share it."),
    "dropoff_received": ("您为业务编号{case}投递的材料，工作人员已从取件柜取出，将继续办理。",
                         "Staff have taken the documents you dropped off for case {case} out of the locker and "
                         "will go on with your case."),
}


def _grouped(digits: str) -> str:
    """12 digits read in fours (1234 5678 9012): easier to copy onto the locker's keypad."""
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def sms_text(template: str, params: dict, language: str = "zh_CN") -> str:
    """The message a drop-off SMS adapter sends, from the template and params gateway.dropoff passes it."""
    zh, en = SMS_TEXTS[template]
    values = dict(params)
    if "digits" in values:
        values["digits"] = _grouped(str(values["digits"]))
    if "expires_at" in values:
        values["expires_at"] = beijing(dt.datetime.fromisoformat(str(values["expires_at"])))
    english = language != "zh_CN"
    return SIGNATURE[english] + (en if english else zh).format(**values)
