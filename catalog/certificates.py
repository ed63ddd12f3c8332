"""Texts (zh_CN, en) of certificate self-print (issue 22): the screen's labels and the flow's message keys."""
from __future__ import annotations

# key: (zh_CN, en)
CERTIFICATE_MESSAGES: dict[str, tuple[str, str]] = {
    "cert.title": ("自助打印不动产权证书", "Print your property certificate"),
    "cert.choose": ("下面是可以打印的证书。请点一本查看。", "These certificates are ready. Touch one to see it."),
    "cert.nothing": ("您暂时没有可以打印的证书。", "You have no certificate ready to print yet."),
    "cert.preview": ("请核对证书内容，无误后点“打印”。", "Please check the certificate. If it is right, touch Print."),
    "cert.print": ("打印", "Print"),
    "cert.printing": ("正在打印证书，请稍候……", "Printing your certificate. Please wait..."),
    "cert.voided": ("印制号 {serial} 的证书纸{reason}，已作废。正在用下一张。",
                    "Blank {serial}: {reason}. It has been voided; using the next one."),
    "cert.reason.jam": ("卡纸", "paper jam"),
    "cert.reason.misprint": ("打印有误", "misprint"),
    "cert.reason.staff_test": ("工作人员测试", "staff test"),
    "cert.sign": ("证书已打印，印制号 {serial}。请在下面白色区域签名，确认领取。",
                  "Printed on blank {serial}. Please sign in the white area below to confirm you received it."),
    "cert.sign_first": ("请先在白色区域签名。", "Please sign in the white area first."),
    "cert.clear": ("重新签", "Sign again"),
    "cert.submit": ("确认领取", "I have received it"),
    "cert.collected": ("已领取。请从打印机出口取走证书。", "Received. Please take your certificate from the printer."),
    "cert.case_closed": ("这件业务的证书已全部领取，业务已办结。",
                         "All certificates of this case are collected: the case is closed."),
    "cert.next": ("打印下一本", "Print the next one"),
    "cert.finish": ("完成", "Finish"),
    "cert.field.certificate_no": ("证书号", "Certificate no."),
    "cert.field.holder": ("权利人", "Holder"),
    "cert.field.co_ownership": ("共有情况", "Ownership"),
    "cert.field.location": ("坐落", "Location"),
    "cert.field.unit_no": ("不动产单元号", "Unit no."),
    "cert.field.right_type": ("权利类型", "Right"),
    "cert.field.use": ("用途", "Use"),
    "cert.field.area": ("面积", "Area"),
    "certificate_print_finished": ("证书打印办理完毕。", "Certificate printing is finished."),
    "certificate_print_failed": ("证书没有打印成功，证书纸已作废。请联系工作人员。",
                                 "The certificate could not be printed and the blanks were voided. Please ask "
                                 "staff for help."),
    "certificate_serial_refused": ("这张证书纸的印制号核对不上，已作废。请联系工作人员。",
                                   "This blank's serial was not accepted and it was voided. Please ask staff."),
    "no_blank_certificate": ("证书纸已用完，请联系工作人员。", "There are no blank certificates left. Please ask "
                                                                 "staff."),
    "certificate_ledger_error": ("证书纸记录出错，请联系工作人员。", "The blank stock record has a problem. Please ask "
                                                                     "staff."),
    # -- locker recall, on the maintenance locker page (staff) ------------------------------------------------
    "maint.recall_title": ("超期未取：提醒后仍未取的证书请取回", "Overdue: take back certificates not collected after "
                                                                 "the reminder"),
    "maint.recall_check": ("查看超期清单", "Check the overdue list"),
    "maint.recall_item": ("{compartment} 号格口  业务 {case_id}", "Compartment {compartment}  case {case_id}"),
    "maint.recall_open": ("开门取回", "Open, take back"),
    "maint.recall.listed": ("需要取回 {count} 件。", "{count} to take back."),
    "maint.recall.done": ("{compartment} 号格口已取回，取件码已作废。", "Compartment {compartment} emptied; its pickup "
                                                                   "code is no longer valid."),
    "maint.recall.door_not_opened": ("{compartment} 号格口门没有打开。", "Door {compartment} did not open."),
    "maint.recall.door_left_open": ("{compartment} 号格口门没有关好。", "Door {compartment} was left open."),
    "maint.recall.still_inside": ("{compartment} 号格口里还有东西，没有取回。", "Something is still in compartment "
                                                                       "{compartment}: not taken back."),
    # -- how to receive (领证方式) ----------------------------------------------------------------------------
    "cert.other": ("其他领证方式", "Other ways"),
    "cert.receive_prompt": ("请选择怎样领取这本证书。", "Choose how to receive this certificate."),
    "cert.receive.window": ("到窗口领取", "At the window"),
    "cert.receive.locker": ("到取件柜领取", "From the pickup locker"),
    "cert.receive.courier": ("邮寄到家（EMS）", "By post (EMS)"),
    "cert.receive.e_certificate": ("只要电子证照", "E-certificate only"),
    "cert.address_prompt": ("请用下面的键盘输入收件地址（拼音输入汉字），然后点“确认地址”。",
                            "Type the delivery address on the keyboard below (pinyin for Chinese), then touch "
                            "Confirm address."),
    "cert.address_confirm": ("确认地址", "Confirm address"),
    "cert.recorded.window": ("已记录：到窗口领取。请带上本人身份证原件和受理回执，到大厅“发证窗口”领取。",
                             "Recorded: at the window. Bring your own ID card and the acceptance notice to the "
                             "certificate counter in the hall."),
    "cert.recorded.locker": ("已记录：到取件柜领取。证书放入取件柜后，您会收到取件码短信。",
                             "Recorded: the pickup locker. You will get a text message with the pickup code once "
                             "the certificate is in the locker."),
    "cert.recorded.courier": ("已交给邮政EMS寄出，运单号 {waybill}。可以在“查询办件进度”里看物流。",
                              "Sent by EMS, waybill {waybill}. You can follow it in the case status."),
    "cert.recorded.e_certificate": ("已记录：只要电子证照。请在“电子证照”里扫码下载。",
                                    "Recorded: e-certificate only. Download it with the QR code under "
                                    "E-certificate."),
    "address_invalid": ("地址太短或太长，请输入6到120个字的地址。", "The address must be 6 to 120 characters."),
    "courier_unavailable": ("邮寄暂时不能办理，请选择其他方式。", "Delivery by post is not available now. Please "
                                                                  "choose another way."),
}
