"""Plain-language texts (zh_CN, en) for the kiosk's application submission: its progress, refusals and receipt.

catalog/i18n.py takes them in with **APPLICATION_SUBMISSION_MESSAGES.
"""
from __future__ import annotations

# key: (zh_CN, en); the reason keys are kiosk.application_submission.REASONS values.
APPLICATION_SUBMISSION_MESSAGES: dict[str, tuple[str, str]] = {
    "application_submission_queued": ("申请已保存，正在等待提交。", "Your application is saved and waiting to be sent."),
    "application_submission_uploading": ("正在上传申请材料，已完成{percent}%。请稍候。",
                                         "Sending your materials: {percent}% done. Please wait."),
    "application_submission_submitted": ("申请已提交，受理编号：{application_no}。",
                                         "Your application has been submitted. Number: {application_no}."),
    "application_submission_refused": ("申请未能提交。请到人工窗口咨询。",
                                       "Your application could not be submitted. Please ask at a service counter."),
    "application_submission_form_refused": ("申请表有内容不符合要求，未能提交。请核对申请表后重新提交。",
                                            "Something in the application form is not accepted. Please check "
                                            "the form and submit again."),
    "application_submission_materials_refused": ("申请材料不齐全或不符合要求，未能提交。请按清单重新拍摄材料。",
                                                 "The materials are incomplete or not accepted. Please capture them "
                                                 "again as the checklist says."),
    "application_submission_property_refused": ("这处不动产不能办理此项业务。请到人工窗口咨询。",
                                                "This business cannot be done for this property. Please ask at a "
                                                "service counter."),
    "application_submission_token_expired": ("材料已上传并保存，但身份核验已过期。请重新核验身份后继续提交。",
                                             "Your materials are saved, but your identity check has expired. "
                                             "Please verify your identity again to finish submitting."),
    "application_submission_expired": ("申请超过一天未提交，已按规定清除。请重新办理。",
                                       "The application was not submitted within a day and has been cleared. "
                                       "Please start again."),
    "application_submission_check_status": ("这份申请可能已经提交。请在“办件查询”中查看，或到人工窗口咨询。",
                                            "This application may already have been submitted. Please check "
                                            "“Case status”, or ask at a service counter."),
    "application_receipt_printed": ("受理回执已打印，请取走并妥善保管。",
                                    "Your receipt has been printed. Please take it and keep it safe."),
    "application_receipt_printer_unavailable": ("回执暂时无法打印。您可以凭受理编号在“办件查询”中查看进度。",
                                                "The receipt cannot be printed right now. You can follow the "
                                                "application in “Case status” with its number."),
}
