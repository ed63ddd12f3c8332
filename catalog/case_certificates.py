"""Texts (zh_CN, en) of the certificates on the case list: how each is received and a courier parcel's tracking."""
from __future__ import annotations

# key: (zh_CN, en)
CASE_CERTIFICATE_MESSAGES: dict[str, tuple[str, str]] = {
    "cases.cert.line": ("第{n}本证书：{how}", "Certificate {n}: {how}"),
    "cases.cert.how.none": ("还没有选择领证方式，可以在“打印证书”里选择。",
                            "no way of receiving chosen yet; choose one under Print certificate."),
    "cases.cert.how.window": ("到窗口领取。请带上本人身份证原件和受理回执，到大厅“发证窗口”领取。",
                              "at the window. Bring your own ID card and the acceptance notice to the certificate "
                              "counter in the hall."),
    "cases.cert.how.self_print": ("在自助机上打印领取。", "printed here at the self-service kiosk."),
    "cases.cert.how.locker": ("到取件柜领取。证书放入取件柜后，您会收到取件码短信。",
                              "from the pickup locker. You will get a text message with the pickup code once it is "
                              "in the locker."),
    "cases.cert.how.courier": ("邮政EMS邮寄，运单号 {waybill}。", "by post (EMS), waybill {waybill}."),
    "cases.cert.how.e_certificate": ("只要电子证照，请在“电子证照”里扫码下载。",
                                     "e-certificate only; download it with the QR code under E-certificate."),
    "cases.cert.collected": ("已领取。", "Collected."),
    "cases.cert.tracking": ("物流：{steps}", "Tracking: {steps}"),
    "cases.cert.scan.created": ("已下单", "waybill created"),
    "cases.cert.scan.picked_up": ("已揽收", "picked up"),
    "cases.cert.scan.in_transit": ("运输中", "in transit"),
    "cases.cert.scan.out_for_delivery": ("派送中", "out for delivery"),
    "cases.cert.scan.delivered": ("已签收", "delivered"),
    "cases.cert.scan.returned": ("已退回", "returned"),
    "cases.cert.returned": ("邮件已退回登记中心，证书可以重新选择领取方式。",
                            "The parcel came back to the registration centre: choose again how to receive it."),
}
