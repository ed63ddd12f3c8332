"""Each outcome's own title, take-away prompt and next step, and the new texts they need (zh_CN, en).

The done screen names what happened in its title (not "谢谢使用" for a refusal), tells the applicant what to take
(the A4 proof is not a slip) and, where there is one, offers the direct next step as a button. catalog/i18n.py
takes the texts in with **OUTCOME_MESSAGES.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# key: (zh_CN, en)
OUTCOME_MESSAGES: dict[str, tuple[str, str]] = {
    # titles
    "outcome.title.finished": ("办理结束", "Finished"),
    "outcome.title.paid": ("缴费成功", "Payment received"),
    "outcome.title.paid_no_receipt": ("缴费成功，凭条未打印", "Paid; receipt not printed"),
    "outcome.title.payment_cancelled": ("已取消缴费", "Payment cancelled"),
    "outcome.title.payment_expired": ("付款码已过期", "Payment code expired"),
    "outcome.title.nothing_to_pay": ("无需缴费", "Nothing to pay"),
    "outcome.title.properties_exist": ("不能开具无房证明", "No-property proof not possible"),
    "outcome.title.no_properties": ("名下无登记房产", "No property in your name"),
    "outcome.title.proof_printed": ("证明已打印", "Proof printed"),
    "outcome.title.not_printed": ("未能打印", "Not printed"),
    "outcome.title.transfers_submitted": ("过户申请已提交", "Transfer request sent"),
    "outcome.title.e_certificate_done": ("电子证照下载已结束", "E-certificate download closed"),
    "outcome.title.not_issued": ("暂不能下载电子证照", "No e-certificate yet"),
    "outcome.title.not_available": ("暂时不能办理", "Not available now"),
    "outcome.title.ask_counter": ("请到人工窗口", "Please go to a service counter"),
    "outcome.title.picked_up": ("领证完成", "Certificate collected"),
    # what to take away, by what was actually printed
    "outcome.take.receipt": ("请取走打印的缴费凭条", "Please take your printed payment receipt"),
    "outcome.take.document": ("请在下方打印机出口取走A4证明文件", "Please take the A4 document from the printer below"),
    "outcome.take.slip": ("请取走打印的受理凭条", "Please take your printed slip"),
    # fee names in English (the gateway names fees in Chinese; screens look them up by the fee's code)
    "fee.deed_tax": ("契税", "Deed tax"),
    "fee.registration_fee": ("不动产登记费", "Registration fee"),
    "fee.maintenance_fund": ("住宅专项维修资金", "Housing maintenance fund"),
    # the locker (screens/pickup_code.py, screens/pickup_door.py)
    "pickup.backspace": ("退格", "Delete"),
    "pickup.close_title": ("{compartment} 号格口门未关好", "Door {compartment} is not closed"),
    "pickup.again": ("重新扫码取件", "Start again with my code"),
    "pickup.staff_hint": ("请到服务台找工作人员，告诉他们格口号：{compartment}",
                          "Please go to the help desk and tell the staff the compartment number: {compartment}"),
    "pickup.agent_hint": ("请由本人或登记的代领人，用自己的身份证重新扫码取件。",
                          "The owner or their registered agent should start again with the code and their own ID "
                          "card."),
    # the bank: a decline is confirmed
    "bank.decline_confirm": ("您选择的拒绝原因是：{reason}。拒绝后这份申请不会提交，确定要拒绝签字吗？",
                             "Your reason: {reason}. If you decline, this application will not be sent. Decline "
                             "to sign?"),
    "bank.decline_confirmed": ("确认拒绝签字", "Yes, decline"),
    # transfers: the utilities apart from the household registration
    "transfers.group.utilities": ("水电气过户（供水、供电、燃气公司办理）",
                                  "Utility accounts (moved by the water, power and gas companies)"),
    "transfers.group.household": ("户口迁移（由公安派出所办理）", "Household registration (done by the police station)"),
    # direct next steps
    "outcome.next.property_record": ("打印名下房产证明", "Print the proof of my property"),
    "outcome.next.no_property": ("打印无房证明", "Print the no-property proof"),
    "outcome.next.pay_again": ("重新缴费", "Pay again"),
}

# outcome key (the FlowFinished key) -> its title's key; an outcome not named here is titled "办理结束"
TITLES: dict[str, str] = {
    "finished": "outcome.title.finished",
    "payment_done": "outcome.title.paid",
    "payment_already_paid": "outcome.title.paid",
    "payment_done_no_receipt": "outcome.title.paid_no_receipt",
    "payment_cancelled": "outcome.title.payment_cancelled",
    "payment_expired": "outcome.title.payment_expired",
    "case_not_payable": "outcome.title.nothing_to_pay",
    "properties_exist": "outcome.title.properties_exist",
    "no_properties": "outcome.title.no_properties",
    "proof_printed": "outcome.title.proof_printed",
    "mortgage_certificate_printed": "outcome.title.proof_printed",
    "proof_not_printed": "outcome.title.not_printed",
    "certificate_not_ready": "outcome.title.not_printed",
    "transfers_submitted": "outcome.title.transfers_submitted",
    "e_certificate_done": "outcome.title.e_certificate_done",
    "certificate_not_issued": "outcome.title.not_issued",
    "service_unavailable": "outcome.title.not_available",
    "service_offline": "outcome.title.not_available",
    "platform_unavailable": "outcome.title.not_available",
    "offline_store_unavailable": "outcome.title.not_available",
    "rate_limited": "outcome.title.not_available",
    "token_expired": "outcome.title.not_available",
    "ask_staff": "outcome.title.ask_counter",
    "platform_rejected": "outcome.title.ask_counter",
    "person_unknown": "outcome.title.ask_counter",
    "order_not_found": "outcome.title.ask_counter",
    "internal_error": "outcome.title.ask_counter",
    "generic_error": "outcome.title.ask_counter",
    "picked_up": "outcome.title.picked_up",
}

# outcome key -> the take-away prompt's key when something was printed (receipt_pending)
TAKE_AWAY: dict[str, str] = {
    "payment_done": "outcome.take.receipt",
    "payment_already_paid": "outcome.take.receipt",
    "proof_printed": "outcome.take.document",
    "mortgage_certificate_printed": "outcome.take.document",
    "transfers_submitted": "outcome.take.slip",
}

# outcome key -> (the service the next-step button opens, the button's text key)
NEXT_STEPS: dict[str, tuple[str, str]] = {
    "properties_exist": ("proof", "outcome.next.property_record"),
    "no_properties": ("proof", "outcome.next.no_property"),
    "payment_expired": ("payment", "outcome.next.pay_again"),
}

# messages that say something went right: shown in the "ok" colour, never the red warning one
POSITIVE: frozenset[str] = frozenset({"pickup_code_accepted", "matched", "picked_up", "payment_done",
                                      "proof_printed", "transfers_submitted", "mortgage_submitted"})


def title_key(outcome: str | None) -> str:
    """The title's catalog key for an outcome."""
    return TITLES.get(outcome or "finished", "outcome.title.finished")


def take_away_key(outcome: str | None) -> str:
    """The take-away prompt's catalog key for an outcome whose flow printed something."""
    return TAKE_AWAY.get(outcome or "", "outcome.take.slip")


def next_step(outcome: str | None, services) -> tuple[str, str] | None:
    """(service, button text key) of the outcome's direct next step, if the site offers that service."""
    step = NEXT_STEPS.get(outcome or "")
    if step is None or step[0] not in services:
        return None
    return step
