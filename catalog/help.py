"""Plain-language texts (zh_CN, en) of call staff, staff-assisted checks, the rating, queue tickets and the guide.

Kept apart from the rest of the catalog (issue 21); catalog/i18n.py takes them in with **HELP_MESSAGES.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# key: (zh_CN, en)
HELP_MESSAGES: dict[str, tuple[str, str]] = {
    "help.call": ("呼叫工作人员", "Call staff"),
    "help.sending": ("正在呼叫工作人员……", "Calling staff..."),
    "help.coming": ("工作人员马上就到", "Staff are on their way"),
    "help.number": ("呼叫号：{number}", "Request number: {number}"),
    "help.stay": ("请在这台机器旁稍等。", "Please wait by this machine."),
    "help.failed": ("暂时无法呼叫。请到咨询台找工作人员。",
                    "Staff cannot be called right now. Please go to the information desk."),
    "help.close": ("知道了", "OK"),
    "help_unavailable": ("暂时无法呼叫。请到咨询台找工作人员。",
                         "Staff cannot be called right now. Please go to the information desk."),
    # -- staff-assisted check (kiosk.staff_assist, screens/staff_assist.py) ---------------------------------------
    "assist.offer": ("工作人员协助核验", "Staff-assisted check"),
    "assist.title": ("工作人员协助核验身份", "Identity check with a staff member"),
    "assist.credential": ("请工作人员把工作证放在读卡区，或扫描工作二维码。",
                          "Staff: place your staff card on the reader, or scan your staff QR code."),
    "assist.credential_hint": ("工作人员已被呼叫，请稍候。", "A staff member has been called. Please wait."),
    "assist.pin": ("请工作人员输入PIN码", "Staff: enter your PIN"),
    "assist.applicant_card": ("请把申请人的身份证放在读卡区。", "Place the applicant's ID card on the reader."),
    "assist.confirm": ("请工作人员核对：面前的申请人就是这张身份证的本人。",
                       "Staff: check that the applicant in front of you is the person on this ID card."),
    "assist.reason": ("请选择无法刷脸的原因：", "Choose why the face check cannot be used:"),
    "assist.reason.elderly": ("老年人", "Elderly"),
    "assist.reason.disability": ("残障人士", "Disability"),
    "assist.reason.camera_failure": ("摄像头故障", "Camera failure"),
    "assist.reason.other": ("其他原因（填写上面）", "Other (write it above)"),
    "assist.other_hint": ("其他原因（几个字，不写号码）", "Other reason (a few words, no numbers)"),
    "assist.checking": ("正在核验，请稍候……", "Checking, please wait..."),
    "assist.refused": ("这台机器不能由工作人员协助核验。请工作人员带您到人工窗口办理。",
                       "A staff-assisted check cannot be used at this machine. The staff member will take you to a "
                       "service counter."),
    "assist_same_card": ("这是工作人员的证件。请放申请人的身份证。",
                         "This is the staff member's card. Please place the applicant's ID card."),
    "credential_used": ("这个工作二维码已经用过了，请重新生成。", "This staff QR code was already used. Make a new one."),
    "credential_expired": ("这个工作二维码已过期，请重新生成。", "This staff QR code has expired. Make a new one."),
    "staff_unknown": ("这不是登记过的工作证件。", "This is not a registered staff credential."),
    "staff_other_hall": ("这位工作人员不属于本大厅。", "This staff member is not registered for this hall."),
    "reason_text_required": ("选择“其他原因”时，请写几个字说明。", "With \"Other\", write a few words saying why."),
    "invalid_reason_text": ("原因里不能写号码。", "The reason cannot contain numbers."),
    "method_not_allowed": ("这台机器不能由工作人员协助核验。", "A staff-assisted check cannot be used at this machine."),
    # -- 好差评 rating (kiosk.rating, screens/rating_panel.py) -----------------------------------------------------
    "rating.ask": ("请为本次服务评价", "How was this service?"),
    "rating.level.5": ("非常满意", "Very satisfied"),
    "rating.level.4": ("满意", "Satisfied"),
    "rating.level.3": ("基本满意", "Fairly satisfied"),
    "rating.level.2": ("不满意", "Dissatisfied"),
    "rating.level.1": ("非常不满意", "Very dissatisfied"),
    "rating.reasons": ("哪里让您不满意？（可多选，也可不选）", "What went wrong? (choose any, or none)"),
    "rating.reason.wait_long": ("等待时间太长", "Waited too long"),
    "rating.reason.hard_to_use": ("操作太复杂", "Too hard to use"),
    "rating.reason.hard_to_read": ("看不清或听不清", "Hard to see or hear"),
    "rating.reason.machine_fault": ("机器出了故障", "The machine failed"),
    "rating.reason.result": ("办理结果不满意", "Unhappy with the result"),
    "rating.submit": ("提交", "Send"),
    "rating.callback": ("需要工作人员给您回电话吗？", "Would you like a staff member to call you back?"),
    "rating.callback_yes": ("需要，请给我回电话", "Yes, please call me"),
    "rating.callback_no": ("不需要", "No, thanks"),
    "rating.phone": ("请输入您的手机号码", "Please enter your phone number"),
    "rating.sending": ("正在提交……", "Sending..."),
    "rating.thanks": ("谢谢您的评价！", "Thank you for your rating!"),
    "rating.skip": ("跳过", "Skip"),
    "rating.close": ("关闭", "Close"),
    "rating_phone_invalid": ("号码不对。请输入11位手机号码，或带区号的电话号码。",
                             "That number is not right. Enter an 11-digit mobile number, or a landline with its "
                             "area code."),
    "rating_callback_failed": ("回电登记没有成功。如需帮助，请到咨询台。",
                               "The call-back could not be booked. Please ask at the information desk."),
    # -- queue ticket and appointment check-in (kiosk.hall_queue, screens/hall_queue.py) -------------------------
    "queue.entry": ("取号 / 预约签到", "Queue ticket"),
    "queue.title": ("取号 / 预约签到", "Queue ticket / appointment check-in"),
    "queue.choose": ("请选择您要办理的业务", "Choose what you need to do"),
    "queue.business.transfer": ("转移登记", "Transfer registration"),
    "queue.business.mortgage": ("抵押登记", "Mortgage registration"),
    "queue.business.certificate": ("领取证书", "Collect a certificate"),
    "queue.business.enquiry": ("咨询", "General enquiry"),
    "queue.appointment": ("网上预约过的，请把预约二维码对准扫码口签到。",
                          "Booked online? Hold your appointment QR code to the scanner to check in."),
    "queue.issuing": ("正在取号……", "Taking your ticket..."),
    "queue.your_number": ("您的号码", "Your number"),
    "queue.waiting": ("前面还有 {count} 人", "{count} people ahead of you"),
    "queue.window": ("请到 {area} 等候叫号", "Please wait at {area} to be called"),
    "queue.printed": ("请取走排队小票。", "Please take your ticket."),
    "queue.not_printed": ("小票没有打印出来，请记住您的号码。", "The ticket could not be printed: please remember "
                                                           "your number."),
    "queue_unavailable": ("暂时不能取号，请到咨询台。", "Tickets cannot be taken right now. Please go to the "
                                                   "information desk."),
    "appointment_unknown": ("没有找到今天的这个预约。请到咨询台。", "No appointment for today with this code. "
                                                          "Please go to the information desk."),
    "appointment_other_hall": ("这个预约是其他大厅的。", "This appointment is for another hall."),
    "not_an_appointment": ("这不是预约二维码。", "This is not an appointment code."),
    # -- service guide (kiosk.guide, screens/guide.py) --------------------------------------------------------
    "guide.entry": ("办事指南", "Service guide"),
    "guide.title": ("办事指南", "Service guide"),
    "guide.choose": ("请选择业务，查看要带的材料、费用和办理时限", "Choose a service to see what to bring, the fees "
                                                          "and how long it takes"),
    "guide.materials": ("需要带的材料：", "What to bring:"),
    "guide.fees": ("收费：", "Fees:"),
    "guide.time_limit": ("办理时限：", "Time limit:"),
    "guide.print": ("打印指南", "Print this guide"),
    "guide.printing": ("正在打印……", "Printing..."),
    "guide.printed": ("已打印，请取走。", "Printed: please take it."),
    "guide.not_printed": ("没有打印出来。可以拍照记下这些内容。", "It could not be printed. You can take a photo of "
                                                          "this screen."),
    "guide.note": ("以窗口公布的最新要求为准。", "The counters' published requirements prevail."),
}
