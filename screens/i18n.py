"""The message catalog: every text the screens show, in Simplified Chinese (the default) and English.

Written for older applicants who are not used to computers: short sentences, everyday words, one instruction at a
time, no technical terms or error codes. Keys without a dot are message keys that come from the core (session,
runtime, verifiers, platform client); dotted keys are the screens' own labels.
"""
from __future__ import annotations

import logging
import string

logger = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

# key: (zh_CN, en)
CATALOG: dict[str, tuple[str, str]] = {
    # -- messages from the core: session, runtime, verification, platform ------------------------------------
    "card_expired": ("您的身份证已过期，不能在这里办理。请到人工窗口办理。",
                     "Your ID card has expired and cannot be used here. Please go to a service counter."),
    "timed_out": ("您太久没有操作，为保护您的信息，已自动退出。",
                  "You were away for a while, so we signed you out to keep your details safe."),
    "ask_staff": ("没能确认您的身份。请到人工窗口，工作人员会帮助您。",
                  "We could not confirm who you are. Please go to a service counter; staff will help you."),
    "platform_unavailable": ("暂时连不上登记系统，请稍后再试，或到人工窗口办理。",
                             "We cannot reach the registration system right now. Please try again later "
                             "or go to a service counter."),
    "platform_rejected": ("这项业务现在不能办理，请到人工窗口咨询。",
                          "This cannot be done here right now. Please ask at a service counter."),
    "token_expired": ("办理时间过长，请重新放置身份证。",
                      "This took too long. Please place your ID card again."),
    "person_unknown": ("登记系统里没有查到您的信息。请到人工窗口咨询。",
                       "The registration system has no record of you. Please ask at a service counter."),
    "invalid_id_number": ("身份证号码不正确，请到人工窗口办理。",
                          "The ID number could not be used. Please go to a service counter."),
    "kiosk_disabled": ("本机已停用，请到人工窗口办理。", "This machine is switched off. Please go to a service counter."),
    "rate_limited": ("现在使用的人较多，请稍等一会儿再试。", "The system is busy. Please wait a moment and try again."),
    "internal_error": ("机器出了点问题，请到人工窗口办理。",
                       "Something went wrong with this machine. Please go to a service counter."),
    "service_unavailable": ("这项服务暂时不能使用，请选择其他服务或到人工窗口办理。",
                            "This service is not available right now. Please choose another one "
                            "or go to a service counter."),
    "device_unavailable": ("机器的部件出了故障，暂停使用。请到人工窗口办理。",
                           "Part of this machine is not working, so it is closed. Please go to a service counter."),
    "out_of_service": ("本机暂停服务，请到人工窗口办理。",
                       "This machine is closed. Please go to a service counter."),
    "service_offline": ("网络暂时不通，这项服务现在不能办理。请稍后再试，或到人工窗口办理。",
                        "We have no connection right now, so this service cannot be used. Please try again later "
                        "or go to a service counter."),
    "finished": ("办理完成，谢谢使用。", "All done. Thank you."),
    "generic_error": ("出现问题，请到人工窗口咨询。", "Something went wrong. Please ask at a service counter."),
    # verification results (VerificationFailed.reason)
    "no_match": ("照片和本人没能对上。", "Your face did not match the photo on file."),
    "no_face": ("请正对屏幕上方的摄像头。", "Please look at the camera above the screen."),
    "liveness_failed": ("没能完成眨眼或转头的动作。", "We could not see you blink or turn your head."),
    "timeout": ("时间到了，没能完成核验。", "Time ran out before the check was finished."),
    "verification_unavailable": ("人脸核验暂时不能使用。", "The face check is not available right now."),
    "camera_unavailable": ("摄像头暂时不能使用。", "The camera is not working right now."),
    "portrait_not_found": ("系统里没有找到您的照片。", "We could not find your photo in the system."),
    # guidance during the face check (VerificationProgress.guidance)
    "checking": ("正在核对，请稍等……", "Checking, please wait..."),
    "look_at_camera": ("请看着屏幕上方的摄像头。", "Please look at the camera above the screen."),
    "move_closer": ("请再靠近一点。", "Please come a little closer."),
    "move_back": ("请稍微往后一点。", "Please move back a little."),
    "hold_still": ("请保持不动。", "Please hold still."),
    "blink": ("请眨一眨眼睛。", "Please blink your eyes."),
    "turn_left": ("请把头慢慢转向左边。", "Please slowly turn your head to the left."),
    "turn_right": ("请把头慢慢转向右边。", "Please slowly turn your head to the right."),
    "multiple_faces": ("请只留一个人在镜头前。", "Only one person in front of the camera, please."),
    "too_dark": ("光线太暗，请站到亮一点的地方。", "It is too dark. Please stand in better light."),
    "matched": ("核验通过。", "Check passed."),
    "starting": ("正在打开摄像头，请看屏幕上方。", "Starting the camera. Please look above the screen."),
    "several_faces": ("请只留一个人在镜头前。", "Only one person in front of the camera, please."),
    "too_far": ("请再靠近一点。", "Please come a little closer."),
    "too_close": ("请稍微往后一点。", "Please move back a little."),
    "not_frontal": ("请正对着摄像头。", "Please face the camera straight on."),
    "retry": ("没有成功，我们再试一次。", "That did not work. Let us try again."),
    "reference_unavailable": ("暂时查不到您的登记照片。", "We cannot get your registered photo right now."),
    "reference_unusable": ("您的登记照片无法用于核验。", "Your registered photo cannot be used for the check."),

    # -- shared labels ----------------------------------------------------------------------------------------
    "app.title": ("不动产登记自助服务", "Property Registration Self-Service"),
    "offline.banner": ("网络暂时不通：可以查看之前保存的办理进度，部分服务暂停。",
                       "No connection: you can see saved case progress; some services are paused."),
    "button.language": ("English", "中文"),
    "button.back": ("返回", "Back"),
    "button.exit": ("退出", "Exit"),
    "button.done": ("办完了", "I'm done"),
    "button.menu": ("回到主菜单", "Main menu"),
    # attract
    "attract.welcome": ("欢迎使用", "Welcome"),
    "attract.prompt": ("请把身份证放在下方的读卡区", "Place your ID card on the reader below"),
    "attract.or_touch": ("或点一下屏幕开始", "or touch the screen to start"),
    "attract.start": ("开始办理", "Start"),
    "attract.services": ("可以查询办理进度、缴费、打印证明", "Check your case, pay fees, print proofs"),
    # identify
    "identify.title": ("第一步：放身份证", "Step 1: Your ID card"),
    "identify.prompt": ("请把身份证平放在下方的读卡区，不要移动", "Lay your ID card flat on the reader below and keep it still"),
    "identify.hint": ("读卡区在屏幕下方，有身份证图案的地方", "The reader is below the screen, where the ID card picture is"),
    # verify
    "verify.title": ("第二步：核对本人", "Step 2: Confirm it is you"),
    "verify.reading": ("已读到身份证，正在核对，请稍等……", "ID card read. Checking, please wait..."),
    "verify.attempt": ("第 {attempt} 次", "Try {attempt}"),
    "verify.seconds_left": ("还剩 {seconds} 秒", "{seconds} seconds left"),
    # menu
    "menu.greeting": ("您好，{name}", "Hello, {name}"),
    "menu.id": ("身份证号：{id}", "ID number: {id}"),
    "menu.prompt": ("请选择您要办理的业务", "What would you like to do?"),
    "menu.unavailable": ("暂停使用", "Not available now"),
    # services
    "service.case_status": ("查询办理进度", "Check my case"),
    "service.payment": ("缴纳税费", "Pay taxes and fees"),
    "service.proof": ("打印不动产证明", "Print a property record"),
    "service.certificate_print": ("打印不动产权证书", "Print my certificate"),
    "service.e_certificate": ("电子证照", "Electronic certificate"),
    "service.transfers": ("水电气过户", "Transfer utilities"),
    "service.pickup": ("领取证书", "Collect my certificate"),
    "service.mortgage_signing": ("抵押登记签字", "Sign mortgage registration"),
    # -- mortgage signing at a bank service point (kiosk/flows/mortgage_signing.py, screens/bank_signing.py) ---
    "mortgage_submitted": ("全部签字完成，抵押登记申请已提交登记中心，法定办理时限为5个工作日。",
                           "Everyone has signed. The mortgage registration has gone to the registration centre; "
                           "by law it is done within 5 working days."),
    "mortgage_declined": ("已按您的意见拒绝签字，这份申请不会提交。请与银行工作人员联系。",
                          "You declined to sign, so this application will not be sent. Please talk to the bank "
                          "staff."),
    "mortgage_verification_failed": ("没能确认签字人的身份，不能签字。请银行工作人员协助。",
                                     "We could not confirm who is signing, so no signature was taken. Please ask "
                                     "the bank staff for help."),
    "mortgage_staff_refused": ("工作人员登录没有成功，请稍后再试。", "Staff sign-in failed. Please try again later."),
    "mortgage_none_prepared": ("本网点现在没有待签字的抵押申请。", "There is no mortgage application waiting to be "
                               "signed at this branch."),
    "mortgage_cancelled": ("已取消签字，什么都没有提交。", "Signing was cancelled. Nothing was sent."),
    "staff_pin_wrong": ("工号或密码不对，请重新输入。", "Wrong staff number or PIN. Please try again."),
    "staff_locked": ("密码错误次数太多，请15分钟后再试。", "Too many wrong PINs. Please try again in 15 minutes."),
    "staff_token_expired": ("工作人员登录已过期，请重新登录。", "The staff sign-in has expired. Please sign in "
                            "again."),
    "wrong_party": ("这张身份证不是这份申请的签字人，请换正确的身份证。",
                    "This ID card does not belong to anyone who must sign this application. Please use the right "
                    "card."),
    "not_a_party": ("这张身份证不是这份申请的签字人。", "This person is not a party to this application."),
    "application_closed": ("这份申请已经办结，不能再签字。", "This application is already closed."),
    "already_signed": ("这位签字人已经签过字了。", "This person has already signed."),
    "bank.title": ("抵押登记签字", "Mortgage signing"),
    "bank.please_wait": ("请稍等……", "Please wait..."),
    "bank.cancel": ("取消", "Cancel"),
    "bank.staff_title": ("银行工作人员登录", "Bank staff sign-in"),
    "bank.enter_staff_no": ("请工作人员输入工号，按“确定”", "Staff: type your staff number, then press OK"),
    "bank.enter_pin": ("请输入密码，按“确定”", "Type your PIN, then press OK"),
    "bank.key_clear": ("清除", "Clear"),
    "bank.key_ok": ("确定", "OK"),
    "bank.choose_title": ("选择抵押申请", "Choose the application"),
    "bank.submitted_title": ("本网点已提交的申请", "Applications this branch has sent"),
    "bank.declined_because": ("已拒签：{reason}", "Declined: {reason}"),
    "bank.choose_prompt": ("请工作人员选择本次要签字的申请", "Staff: choose the application to be signed"),
    "bank.application_line": ("{application_id}  贷款{amount}\n签字人：{parties}",
                              "{application_id}  loan {amount}\nSigning: {parties}"),
    "bank.money": ("{amount}元", "CNY {amount}"),
    "bank.role.mortgagor": ("抵押人", "Mortgagor"),
    "bank.role.co_owner": ("共有人", "Co-owner"),
    "bank.card_title": ("请放身份证", "Place your ID card"),
    "bank.card_prompt": ("请{party}把身份证放在读卡器上", "{party}: please place your ID card on the reader"),
    "bank.face_title": ("{party}，请看摄像头", "{party}: please look at the camera"),
    "bank.read_title": ("请阅读抵押登记申请", "Please read the application"),
    "bank.read_prompt": ("{party}，请仔细阅读以下内容，可以上下滑动", "{party}: read it carefully; you can scroll"),
    "bank.field.bank": ("抵押权人（银行）", "Mortgagee (bank)"),
    "bank.field.application": ("申请编号", "Application number"),
    "bank.field.property": ("不动产坐落", "Property"),
    "bank.field.certificate": ("不动产权证书号", "Certificate number"),
    "bank.field.area": ("面积", "Area"),
    "bank.field.loan": ("贷款金额（被担保主债权数额）", "Loan amount (secured claim)"),
    "bank.field.term": ("贷款期限", "Loan term"),
    "bank.field.parties": ("签字人", "Signing parties"),
    "bank.field.documents": ("随附材料", "Documents attached"),
    "bank.area": ("{area}平方米", "{area} m²"),
    "bank.term": ("{months}个月（{years}年）", "{months} months ({years} years)"),
    "bank.document": ("{name}（{pages}页）", "{name} ({pages} pages)"),
    "bank.statement": ("本人已阅读并确认以上内容真实，同意办理抵押权登记。",
                       "I have read the above, confirm it is true, and agree to the mortgage registration."),
    "bank.decline": ("拒绝签字", "Decline"),
    "bank.agree": ("同意，去签字", "Agree and sign"),
    "bank.decline_title": ("拒绝签字", "Decline to sign"),
    "bank.decline_prompt": ("请选择拒绝的原因", "Why do you decline?"),
    "bank.reason.amount": ("贷款金额与约定不符", "The loan amount is not what was agreed"),
    "bank.reason.term": ("贷款期限与约定不符", "The loan term is not what was agreed"),
    "bank.reason.property": ("房屋信息有误", "The property details are wrong"),
    "bank.reason.not_now": ("暂不办理", "I do not want to go ahead now"),
    "bank.sign_title": ("请用手指签名", "Sign with your finger"),
    "bank.sign_prompt": ("{party}，请在下面白色区域写下您的姓名", "{party}: write your name in the white area below"),
    "bank.clear": ("重写", "Start again"),
    "bank.submit": ("确认签字", "Confirm signature"),
    "bank.sign_first": ("请先在白色区域签名", "Please sign in the white area first"),
    # devices (named on the out-of-service screen for staff)
    "device.card_reader": ("身份证读卡器", "ID card reader"),
    "device.scanner": ("扫码器", "Code scanner"),
    "device.camera": ("摄像头", "Camera"),
    "device.receipt_printer": ("凭条打印机", "Receipt printer"),
    "device.document_printer": ("文件打印机", "Document printer"),
    "device.certificate_printer": ("证书打印机", "Certificate printer"),
    "device.locker": ("智能柜", "Locker"),
    # cases
    "cases.title": ("我的业务办理进度", "My cases"),
    "cases.loading": ("正在查询，请稍等……", "Looking up your cases, please wait..."),
    "cases.none": ("没有查到您名下正在办理的业务。", "We found no cases in your name."),
    "cases.count": ("共 {count} 件业务", "{count} case(s)"),
    "cases.stale": ("网络暂时不通，下面是之前保存的信息，可能不是最新的。",
                    "We cannot connect right now. This is saved information and may be out of date."),
    "cases.case_id": ("业务编号：{case_id}", "Case number: {case_id}"),
    "cases.status": ("当前状态：{status}", "Status: {status}"),
    "cases.received": ("受理日期：{date}", "Received: {date}"),
    "cases.deadline": ("办结期限：{date}", "Due by: {date}"),
    "cases.days_left": ("还剩 {days} 个工作日", "{days} working days left"),
    "cases.due_today": ("今天到期", "Due today"),
    "cases.overdue": ("已超过期限 {days} 个工作日", "{days} working days overdue"),
    "cases.extension": ("延期原因：{reason}", "Why it takes longer: {reason}"),
    "cases.next_action": ("下一步：{action}", "Next step: {action}"),
    "cases.estimated": ("（估算，以窗口答复为准）", "(estimated; staff will confirm)"),
    "cases.rejection": ("不予登记的原因：{reason}", "Why it was refused: {reason}"),
    "next.wait_for_review": ("正在审核，您不需要做什么，请耐心等待。", "We are reviewing it. Nothing to do for now."),
    "next.pay_fees": ("请缴纳税费。", "Please pay the taxes and fees."),
    "next.wait_for_recording": ("已缴费，正在登记入簿，请耐心等待。", "Paid. It is being entered in the register."),
    "next.wait_for_certificate": ("已登记，证书正在制作。", "Registered. Your certificate is being made."),
    "next.collect_certificate": ("证书已经做好，请来领取。", "Your certificate is ready. Please collect it."),
    "next.contact_counter": ("请到人工窗口咨询。", "Please ask at a service counter."),
    "status.received": ("已受理", "Received"),
    "status.under_review": ("审核中", "Under review"),
    "status.tax_assessed": ("已核税", "Tax assessed"),
    "status.paid": ("已缴费", "Paid"),
    "status.recorded": ("已登簿", "Recorded"),
    "status.certificate_ready": ("可领证", "Ready to collect"),
    "status.collected": ("已领证", "Collected"),
    "status.rejected": ("不予登记", "Refused"),
    "kind.mortgage": ("抵押登记", "Mortgage registration"),
    "kind.transfer": ("转移登记", "Transfer of ownership"),
    "kind.first_registration": ("首次登记", "First registration"),
    "kind.change": ("变更登记", "Change of details"),
    "kind.cancellation": ("注销登记", "Cancellation"),
    # done
    "done.title": ("谢谢使用", "Thank you"),
    "done.take_card": ("请记得取走您的身份证", "Please remember to take your ID card"),
    "done.receipt": ("请取走打印的凭条", "Please take your printed receipt"),
    "done.ask_staff_title": ("请到人工窗口", "Please go to a service counter"),
    # idle warning
    "idle.title": ("您还在吗？", "Are you still there?"),
    "idle.countdown": ("{seconds} 秒后将自动退出", "Signing you out in {seconds} seconds"),
    "idle.continue": ("我还要继续", "I'm still here"),
    # out of service, maintenance
    "out_of_service.title": ("暂停服务", "Closed"),
    "out_of_service.devices": ("故障部件：{devices}", "Not working: {devices}"),
    "maintenance.title": ("维护中", "Maintenance"),
    "maintenance.body": ("工作人员正在维护本机，请稍候。", "Staff are working on this machine. Please wait."),
    "maintenance.staff": ("维护人员：{staff_id}", "Staff: {staff_id}"),
    "maintenance.exit": ("结束维护", "End maintenance"),
    # -- applicant services: payment, proof (issue 8) ---------------------------------------------------------
    "payment_done": ("缴费成功，凭条已打印。", "Payment received. Your receipt has been printed."),
    "payment_already_paid": ("这笔税费已经缴过了，凭条已打印。", "This was already paid. Your receipt has been printed."),
    "payment_done_no_receipt": ("缴费成功，但凭条没能打印。请到人工窗口补打。",
                                "Payment received, but the receipt could not be printed. "
                                "Please ask at a service counter for a copy."),
    "payment_cancelled": ("没有缴费，钱没有扣。", "Nothing was paid. No money was taken."),
    "payment_expired": ("付款码已过期，没有扣款。需要缴费请重新办理。",
                        "The payment code has expired and nothing was paid. Please start again to pay."),
    "case_not_payable": ("这件业务现在不需要缴费。", "There is nothing to pay for this case right now."),
    "order_not_found": ("没有找到这笔缴费，请到人工窗口咨询。",
                        "We could not find this payment. Please ask at a service counter."),
    "properties_exist": ("您名下有登记的房产，不能开具无房证明。可以选择打印名下房产证明。",
                         "Property is registered in your name, so a no-property proof cannot be issued. "
                         "You can print the proof of your property instead."),
    "no_properties": ("您名下没有登记的房产。可以选择打印无房证明。",
                      "No property is registered in your name. You can print the no-property proof instead."),
    "proof_printed": ("证明已打印，请在打印机出口取走。", "Your proof has been printed. Please take it from the printer."),
    "proof_not_printed": ("证明没能打印，请到人工窗口办理。",
                          "The proof could not be printed. Please go to a service counter."),
    "pay.title": ("缴纳税费", "Pay taxes and fees"),
    "pay.choose": ("请选择要缴费的业务", "Choose the case to pay for"),
    "pay.nothing": ("您名下现在没有需要缴费的业务。", "You have nothing to pay right now."),
    "pay.checking": ("正在核对之前的缴费，请稍等……", "Checking an earlier payment, please wait..."),
    "pay.fees_title": ("缴费明细", "What you pay"),
    "pay.total": ("合计：{amount}", "Total: {amount}"),
    "pay.confirm_hint": ("请核对金额，无误后点击“确认缴费”。", "Please check the amounts, then touch Confirm."),
    "pay.confirm": ("确认缴费", "Confirm"),
    "pay.creating": ("正在生成付款码，请稍等……", "Making your payment code, please wait..."),
    "pay.scan": ("请用手机扫描二维码付款", "Scan the code with your phone to pay"),
    "pay.amount": ("应付金额：{amount}", "Amount: {amount}"),
    "pay.countdown": ("请在 {time} 内完成付款", "Please pay within {time}"),
    "pay.waiting": ("付款后本页会自动更新，请不要离开。", "This page updates by itself once you have paid. Please stay."),
    "pay.cancel": ("不缴了", "Stop paying"),
    "pay.printing": ("付款成功，正在打印凭条……", "Paid. Printing your receipt..."),
    "transfers_submitted": ("过户申请已提交，相关单位会与您联系。", "Your transfer request has been sent. "
                            "The companies will contact you."),
    "transfers.title": ("水电气过户", "Transfer utilities"),
    "transfers.choose_case": ("请选择已登记的房屋", "Choose the registered home"),
    "transfers.nothing": ("您名下没有已登记完成的买卖业务，暂时不能办理过户。",
                          "You have no registered sale yet, so utilities cannot be transferred now."),
    "transfers.prompt": ("请选择要办理过户的项目，可以多选", "Choose what to transfer (you can choose several)"),
    "transfers.chosen": ("{item}（已选）", "{item} (chosen)"),
    "transfers.confirm": ("提交申请", "Send request"),
    "utility.water": ("自来水", "Water"),
    "utility.electricity": ("电", "Electricity"),
    "utility.gas": ("燃气", "Gas"),
    "utility.household": ("户口迁移", "Household registration"),
    "proof.title": ("打印不动产证明", "Print a property record"),
    "proof.prompt": ("请选择要打印的证明", "Which proof do you need?"),
    "proof.kind.property_record": ("不动产登记资料查询结果证明（名下房产）",
                                   "Proof of the property registered in my name"),
    "proof.kind.no_property": ("无不动产登记记录证明（名下无房）", "Proof that I own no property"),
    "proof.printing": ("正在打印，请稍等……", "Printing, please wait..."),
    "proof.verify_hint": ("证明上有二维码，任何人扫码都能核对真伪。",
                          "The proof carries a QR code anyone can scan to check it is genuine."),
}


def text(key: str, language: str, **values) -> str:
    """The text for a catalog key in a language; an unknown key is a bug, shown as the generic message."""
    entry = CATALOG.get(key)
    if entry is None:
        logger.warning("no text for message key %r", key)
        entry = CATALOG["generic_error"]
    chosen = entry[1] if language == "en" else entry[0]
    if values:
        try:
            return chosen.format(**values)
        except (KeyError, IndexError, ValueError):
            logger.warning("text %r is missing a value", key)
            return chosen
    return chosen


def message(key: str | None, language: str) -> str:
    """A message key from the core (session, platform, verifier) as plain words; "" for none."""
    if not key:
        return ""
    return text(key, language)


def free_or_catalog(value: str, language: str) -> str:
    """A catalog key, or free text (a fleet operator's out-of-service notice) shown as written."""
    if value in CATALOG:
        return text(value, language)
    return value


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
