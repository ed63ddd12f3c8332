"""Plain-language texts (zh_CN, en) for every message key the pickup code checks and locker flows produce.

Kept apart from the rest of the catalog so the pickup keys are easy to audit against kiosk/pickup/; catalog/i18n.py
takes them in with **PICKUP_MESSAGES.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# key: (zh_CN, en)
PICKUP_MESSAGES: dict[str, tuple[str, str]] = {
    "code_malformed": ("这不是取件码。请扫描短信里的二维码，或输入8位数字。",
                       "This is not a pickup code. Scan the QR code from your text message, or type the 8 digits."),
    "code_bad_signature": ("这个取件码无法识别。请到人工窗口咨询。",
                           "This pickup code cannot be checked. Please ask at a service counter."),
    "code_unknown_key": ("这个取件码暂时无法核对。请稍后再试，或到人工窗口咨询。",
                         "This pickup code cannot be checked right now. Please try again later or ask at a "
                         "service counter."),
    "code_wrong_locker": ("这个取件码不是这台取件柜的。请到短信里写的取件柜领取。",
                          "This code is for another locker. Please go to the locker named in your text message."),
    "code_expired": ("取件码已过期。请到人工窗口领取证书。",
                     "This pickup code has expired. Please collect your certificate at a service counter."),
    "code_used": ("这个取件码已经用过了。如果您还没拿到证书，请到人工窗口咨询。",
                  "This pickup code has already been used. If you do not have your certificate, please ask at "
                  "a service counter."),
    "code_revoked": ("这个取件码已作废。请到人工窗口咨询。",
                     "This pickup code is no longer valid. Please ask at a service counter."),
    "code_held": ("这个格口需要工作人员先检查。请联系工作人员。",
                  "Staff need to check this compartment first. Please ask a member of staff."),
    "code_unknown_compartment": ("找不到这个取件码对应的格口。请到人工窗口咨询。",
                                 "The compartment for this code cannot be found. Please ask at a service counter."),
    "code_no_deposit": ("这个格口里没有与取件码对应的证书。请到人工窗口咨询。",
                        "There is no certificate in this locker for this code. Please ask at a service counter."),
    "code_entry_locked": ("输错次数太多，请过一会儿再试。",
                          "Too many wrong tries. Please wait a while and try again."),
    "digits_malformed": ("请输入8位数字。", "Please type the 8 digits."),
    "digits_wrong": ("取件码错误，请核对短信后重新输入。", "Those digits are not right. Please check your message and try again."),
    "person_mismatch": ("证书只能由本人或其登记的代领人领取。您的身份与取件码不符。",
                        "Only the owner or their registered agent can collect this certificate. Your identity does "
                        "not match the code."),
    "door_did_not_open": ("格口门未能打开。您的取件码仍然有效，请联系工作人员协助。",
                          "The door did not open. Your code is still valid; please ask a member of staff for help."),
    "door_left_open": ("请关好格口门。", "Please close the compartment door."),
    "item_not_taken": ("您没有取出证书。取件码仍然有效，可以再次取件。",
                       "You did not take the certificate. Your code is still valid, so you can try again."),
    "picked_up": ("取件完成，请收好您的证书。", "Done. Please take your certificate with you."),
    "deposited": ("已放入，取件码已发给申请人。", "Stored. The pickup code has been sent to the applicant."),
    "deposit_pending": ("已放入，联网后会自动发送取件码。",
                        "Stored. The pickup code will be sent once the system is reachable."),
    "no_free_compartment": ("没有合适的空格口。", "There is no free compartment of that size."),
    "no_item": ("柜内没有检测到物品，本次存件已取消。", "Nothing was detected inside, so this deposit was cancelled."),
}
